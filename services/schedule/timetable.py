"""Templates, publishing, leave and extra sessions: where slots come from and go.

Publishing turns templates into slots for dates not yet published for an
expert; once an expert-day is published it changes only through leave (slots
cancelled) and extra sessions (slots added), so a place a patient booked never
disappears without an event saying so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.db import utcnow

from .directory import department_facts, expert_facts
from .domain import slots as rules
from .domain.slots import InvalidSchedule, PlannedSlot
from .models import (
    ACTIVE,
    CANCELLED,
    Department,
    Expert,
    ExtraSession,
    Hospital,
    Leave,
    PublishedDay,
    Slot,
    Template,
    outbox,
)

SLOTS_PUBLISHED = "schedule.slots.published"
SLOTS_CANCELLED = "schedule.slots.cancelled"


def hospital_zone(session: Session, default: str) -> ZoneInfo:
    """The hospital's time zone, or the configured default before facts are entered."""
    hospital = session.get(Hospital, 1)
    return ZoneInfo(hospital.time_zone if hospital else default)


def local_today(zone: ZoneInfo, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(zone).date()


# --- templates ---------------------------------------------------------------------------------

def weekly_rule(template: Template) -> rules.WeeklyRule:
    return rules.WeeklyRule(
        weekday=template.weekday, valid_from=template.valid_from,
        valid_until=template.valid_until, id=template.id,
        session=rules.Session(template.start, template.end, template.slot_minutes,
                              template.capacity_per_slot),
    )


def expert_templates(session: Session, expert_id: int) -> list[Template]:
    query = (select(Template).where(Template.expert_id == expert_id)
             .order_by(Template.weekday, Template.start))
    return list(session.scalars(query))


def save_template(session: Session, expert: Expert, values: dict[str, Any],
                  template: Template | None = None) -> Template:
    """Create or change a template after checking it against the expert's others."""
    rule = rules.WeeklyRule(
        weekday=values["weekday"], valid_from=values["valid_from"],
        valid_until=values.get("valid_until"), id=template.id if template else None,
        session=rules.Session(values["start"], values["end"], values["slot_minutes"],
                              values["capacity_per_slot"]),
    ).check()
    rules.check_no_overlap(rule, [weekly_rule(t) for t in expert_templates(session, expert.id)])
    now = utcnow()
    if template is None:
        template = Template(expert_id=expert.id, created_at=now)
        session.add(template)
    for name in ("weekday", "start", "end", "slot_minutes", "capacity_per_slot", "valid_from",
                 "valid_until"):
        setattr(template, name, values.get(name))
    template.updated_at = now
    session.flush()
    return template


# --- publishing --------------------------------------------------------------------------------

@dataclass
class PublishResult:
    days: int = 0
    slots: int = 0


def publish(transaction: Any, start: date, count: int, default_zone: str) -> PublishResult:
    """Publish the templates of every active expert for ``count`` days from ``start``.

    One transaction per expert, which holds the expert's row lock, so two
    publishers (two workers, or a worker and an admin) never publish a day twice.
    """
    with transaction() as session:
        expert_ids = list(session.scalars(
            select(Expert.id).join(Department)
            .where(Expert.active.is_(True), Department.active.is_(True)).order_by(Expert.id)))
    result = PublishResult()
    for expert_id in expert_ids:
        with transaction() as session:
            days, slots = publish_expert(session, expert_id, start, count, default_zone)
        result.days += days
        result.slots += slots
    return result


def publish_expert(session: Session, expert_id: int, start: date, count: int,
                   default_zone: str) -> tuple[int, int]:
    """Publish one expert's unpublished days in the range; return (days, slots) made."""
    expert = session.scalar(
        select(Expert).where(Expert.id == expert_id).with_for_update(of=Expert))
    if expert is None or not expert.active:
        return 0, 0
    zone = hospital_zone(session, default_zone)
    end = start + timedelta(days=count)
    done = set(session.scalars(select(PublishedDay.day).where(
        PublishedDay.expert_id == expert_id, PublishedDay.day >= start, PublishedDay.day < end)))
    weekly = [weekly_rule(t) for t in expert_templates(session, expert_id)]
    leaves = _leaves(session, expert_id, start, end)
    made_days = made_slots = 0
    for day in rules.days(start, count):
        if day in done:
            continue
        planned = rules.plan_day(day, weekly, zone, leaves, _taken(session, expert_id, day))
        if not planned:
            continue  # nothing to publish: a template added later still applies to this day
        session.add(PublishedDay(expert_id=expert_id, day=day, published_at=utcnow()))
        _create_slots(session, expert, day, planned, zone, origin="template")
        made_days += 1
        made_slots += len(planned)
    return made_days, made_slots


def _leaves(session: Session, expert_id: int, start: date, end: date) -> list[rules.Leave]:
    rows = session.scalars(select(Leave).where(
        Leave.expert_id == expert_id, Leave.day >= start, Leave.day < end))
    return [rules.Leave(row.day, row.start, row.end) for row in rows]


def _taken(session: Session, expert_id: int, day: date) -> list[tuple[datetime, datetime]]:
    return [(slot.start_at, slot.end_at) for slot in active_slots(session, expert_id, day)]


def _create_slots(session: Session, expert: Expert, day: date, planned: Sequence[PlannedSlot],
                  zone: ZoneInfo, origin: str, extra_session_id: int | None = None) -> list[Slot]:
    now = utcnow()
    slots = [Slot(expert_id=expert.id, day=day, start_at=p.start, end_at=p.end,
                  capacity=p.capacity, session=p.session, status=ACTIVE, origin=origin,
                  extra_session_id=extra_session_id, created_at=now) for p in planned]
    session.add_all(slots)
    session.flush()
    outbox.add(session, SLOTS_PUBLISHED, {
        **_who(expert, day, zone), "origin": origin,
        "slots": [slot_facts(slot) for slot in slots],
    })
    return slots


def _who(expert: Expert, day: date, zone: ZoneInfo) -> dict[str, Any]:
    return {"expert": expert_facts(expert), "department": department_facts(expert.department),
            "date": day.isoformat(), "time_zone": zone.key}


def slot_facts(slot: Slot) -> dict[str, Any]:
    return {"slot_id": slot.id, "start": _iso(slot.start_at), "end": _iso(slot.end_at),
            "capacity": slot.capacity, "session": slot.session}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# --- slots, leave and extra sessions -------------------------------------------------------------

def active_slots(session: Session, expert_id: int, day: date) -> list[Slot]:
    return list(session.scalars(select(Slot).where(
        Slot.expert_id == expert_id, Slot.day == day, Slot.status == ACTIVE)
        .order_by(Slot.start_at)))


def list_slots(session: Session, *, expert_id: int | None, day: date | None,
               include_cancelled: bool = False) -> list[Slot]:
    query = select(Slot).order_by(Slot.expert_id, Slot.start_at)
    if expert_id is not None:
        query = query.where(Slot.expert_id == expert_id)
    if day is not None:
        query = query.where(Slot.day == day)
    if not include_cancelled:
        query = query.where(Slot.status == ACTIVE)
    return list(session.scalars(query))


def _not_in_past(day: date, zone: ZoneInfo) -> None:
    if day < local_today(zone):
        raise InvalidSchedule("date", "The date is in the past.")


def add_leave(session: Session, expert: Expert, leave: rules.Leave, reason: str, by: str,
              default_zone: str) -> tuple[Leave, list[Slot]]:
    """Record leave and cancel the expert's slots in it; booking hears of them by event."""
    zone = hospital_zone(session, default_zone)
    _not_in_past(leave.day, zone)
    leave.check()
    session.scalar(select(Expert.id).where(Expert.id == expert.id).with_for_update())
    row = Leave(expert_id=expert.id, day=leave.day, start=leave.start, end=leave.end,
                reason=reason, created_by=by, created_at=utcnow())
    session.add(row)
    session.flush()
    window_start, window_end = leave.window(zone)
    cancelled = [slot for slot in active_slots(session, expert.id, leave.day)
                 if slot.start_at < window_end and window_start < slot.end_at]
    for slot in cancelled:
        slot.status = CANCELLED
        slot.cancel_reason = reason
        slot.leave_id = row.id
    if cancelled:
        session.flush()
        outbox.add(session, SLOTS_CANCELLED, {
            **_who(expert, leave.day, zone), "reason": reason, "leave_id": row.id,
            "slot_ids": [slot.id for slot in cancelled],
            "slots": [slot_facts(slot) for slot in cancelled],
        })
    return row, cancelled


def add_extra_session(session: Session, expert: Expert, day: date, shape: rules.Session,
                      reason: str, by: str, default_zone: str) -> tuple[ExtraSession, list[Slot]]:
    """Add a one-off session; refuse it where it would overlap the expert's other slots."""
    zone = hospital_zone(session, default_zone)
    _not_in_past(day, zone)
    shape.check()
    session.scalar(select(Expert.id).where(Expert.id == expert.id).with_for_update())
    planned = rules.slots_for_session(day, shape, zone)
    for other_start, other_end in _occupied(session, expert.id, day, zone):
        if any(slot.overlaps(other_start, other_end) for slot in planned):
            raise InvalidSchedule("start", "Overlaps a session the expert already has that day.")
    extra = ExtraSession(expert_id=expert.id, day=day, start=shape.start, end=shape.end,
                         slot_minutes=shape.slot_minutes, capacity_per_slot=shape.capacity,
                         reason=reason, created_by=by, created_at=utcnow())
    session.add(extra)
    session.flush()
    slots = _create_slots(session, expert, day, planned, zone, origin="extra",
                          extra_session_id=extra.id)
    return extra, slots


def _occupied(session: Session, expert_id: int, day: date,
              zone: ZoneInfo) -> Iterable[tuple[datetime, datetime]]:
    """Times the expert is already seeing patients, or will once the day is published."""
    yield from _taken(session, expert_id, day)
    published = session.get(PublishedDay, (expert_id, day)) is not None
    if not published:
        weekly = [weekly_rule(t) for t in expert_templates(session, expert_id)]
        leaves = _leaves(session, expert_id, day, day + timedelta(days=1))
        for slot in rules.plan_day(day, weekly, zone, leaves):
            yield slot.start, slot.end


def expert_leaves(session: Session, expert_id: int, start: date | None = None) -> list[Leave]:
    query = select(Leave).where(Leave.expert_id == expert_id).order_by(Leave.day, Leave.start)
    if start is not None:
        query = query.where(Leave.day >= start)
    return list(session.scalars(query))
