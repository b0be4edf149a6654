"""Publishing: templates become slots for a rolling horizon, each expert-day once.

Once an expert-day is published it changes only through leave (slots
cancelled) and extra sessions (slots added), so a place a patient booked never
disappears without an event saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.contracts.schedule import PublishedSlot, SlotsPublished
from services.common.event_handlers import SYSTEM
from services.common.refusals import Invalid
from services.common.runtime import Runtime
from services.common.unit_of_work import Work, unit_of_work

from ..domain import slots as rules
from ..domain.slots import PlannedSlot
from ..domain.statuses import SlotOrigin, SlotStatus
from ..models import Department, Expert, Leave, PublishedDay, Slot, outbox
from ..reads.directory import department_facts, expert_facts
from ..reads.timetable import active_slots_between, expert_templates, weekly_rule


@dataclass
class PublishResult:
    start: date
    count: int
    days: int = 0
    slots: int = 0


def publish(rt: Runtime[Any], start: date | None = None, count: int | None = None, *,
            by: str = SYSTEM, now: datetime | None = None) -> PublishResult:
    """Publish the templates of every active expert for ``count`` days (the horizon when
    None) from ``start`` (the hospital's today when None; never a day before it).

    One transaction per expert, which holds the expert's row lock, so two
    publishers (two workers, or a worker and an admin) never publish a day twice.
    """
    with unit_of_work(rt, by, now=now) as work:
        today, now = work.desk.today, work.desk.now
        start = start or today
        if start < today:
            raise Invalid(message="Publishing starts today or later.", field="from")
        expert_ids = list(work.session.scalars(
            select(Expert.id).join(Department)
            .where(Expert.active.is_(True), Department.active.is_(True)).order_by(Expert.id)))
    count = count or rt.settings.publish_horizon_days
    result = PublishResult(start, count)
    for expert_id in expert_ids:
        with unit_of_work(rt, by, now=now) as work:
            days, slots = publish_expert(work, expert_id, start, count)
        result.days += days
        result.slots += slots
    return result


def publish_expert(work: Work[Any], expert_id: int, start: date,
                   count: int) -> tuple[int, int]:
    """Publish one expert's unpublished days in the range; return (days, slots) made."""
    session, zone, now = work.session, work.desk.zone, work.desk.now
    expert = session.scalar(
        select(Expert).where(Expert.id == expert_id).with_for_update(of=Expert))
    if expert is None or not expert.active:
        return 0, 0
    end = start + timedelta(days=count)
    done = set(session.scalars(select(PublishedDay.day).where(
        PublishedDay.expert_id == expert_id, PublishedDay.day >= start, PublishedDay.day < end)))
    weekly = [weekly_rule(t) for t in expert_templates(session, expert_id)]
    leaves = leaves_between(session, expert_id, start, end)
    taken_times = taken_between(session, expert_id, start, end)
    made_days = made_slots = 0
    for day in rules.days(start, count):
        if day in done:
            continue
        planned = rules.plan_day(day, weekly, zone, leaves, taken_times.get(day, []))
        if not planned:
            continue  # nothing to publish: a template added later still applies to this day
        session.add(PublishedDay(expert_id=expert_id, day=day, published_at=now))
        create_slots(session, expert, day, planned, zone, SlotOrigin.TEMPLATE, now)
        made_days += 1
        made_slots += len(planned)
    return made_days, made_slots


def leaves_between(session: Session, expert_id: int, start: date,
                   end: date) -> list[rules.Leave]:
    rows = session.scalars(select(Leave).where(
        Leave.expert_id == expert_id, Leave.day >= start, Leave.day < end))
    return [rules.Leave(row.day, row.start, row.end) for row in rows]


def taken(session: Session, expert_id: int, day: date) -> list[tuple[datetime, datetime]]:
    return taken_between(session, expert_id, day, day + timedelta(days=1)).get(day, [])


def taken_between(session: Session, expert_id: int, start: date,
                  end: date) -> dict[date, list[tuple[datetime, datetime]]]:
    """:func:`taken` for each day from ``start`` up to ``end``, in one query rather than
    one a day (publishing a month for every expert asked hundreds)."""
    by_day: dict[date, list[tuple[datetime, datetime]]] = {}
    for slot in active_slots_between(session, expert_id, start, end):
        by_day.setdefault(slot.day, []).append((slot.start_at, slot.end_at))
    return by_day


def create_slots(session: Session, expert: Expert, day: date, planned: Sequence[PlannedSlot],
                 zone: ZoneInfo, origin: SlotOrigin, now: datetime,
                 extra_session_id: int | None = None) -> list[Slot]:
    slots = [Slot(expert_id=expert.id, day=day, start_at=p.start, end_at=p.end,
                  capacity=p.capacity, session=p.session, status=SlotStatus.ACTIVE,
                  origin=origin, extra_session_id=extra_session_id, created_at=now)
             for p in planned]
    session.add_all(slots)
    session.flush()
    outbox.add(session, SlotsPublished(
        expert=expert_facts(expert), department=department_facts(expert.department),
        date=day, time_zone=zone.key, origin=origin.value,
        slots=[published_slot(slot) for slot in slots]))
    return slots


def published_slot(slot: Slot) -> PublishedSlot:
    return PublishedSlot(slot_id=slot.id, start=slot.start_at, end=slot.end_at,
                         capacity=slot.capacity, session=slot.session)
