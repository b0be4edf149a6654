"""Extra sessions: one-off clinics outside the weekly templates, published at once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.refusals import Invalid
from services.common.unit_of_work import Work

from ..domain import slots as rules
from ..domain.statuses import SlotOrigin
from ..models import Expert, ExtraSession, PublishedDay
from ..reads.directory import the_expert
from ..reads.timetable import expert_templates, weekly_rule
from .leave import not_in_past
from .publishing import create_slots, leaves_between, taken


def add_extra_session(work: Work[Any], expert_id: int, day: date, shape: rules.Session,
                      reason: str) -> int:
    """Add a one-off session and publish its slots; refuse it where it would overlap the
    expert's other slots. Returns its id."""
    session, desk = work.session, work.desk
    zone = desk.zone
    expert = the_expert(session, expert_id)
    not_in_past(day, desk)
    shape.check()
    rules.check_not_over(day, shape, zone, desk.now)
    session.scalar(select(Expert.id).where(Expert.id == expert.id).with_for_update())
    planned = rules.slots_for_session(day, shape, zone)
    for other_start, other_end in _occupied(session, expert.id, day, zone):
        if any(slot.overlaps(other_start, other_end) for slot in planned):
            raise Invalid(message="Overlaps a session the expert already has that day.",
                          field="start")
    extra = ExtraSession(expert_id=expert.id, day=day, start=shape.start, end=shape.end,
                         slot_minutes=shape.slot_minutes, capacity_per_slot=shape.capacity,
                         reason=reason, created_by=desk.by, created_at=desk.now)
    session.add(extra)
    session.flush()
    create_slots(session, expert, day, planned, zone, SlotOrigin.EXTRA, desk.now,
                 extra_session_id=extra.id)
    return extra.id


def _occupied(session: Session, expert_id: int, day: date,
              zone: ZoneInfo) -> Iterable[tuple[datetime, datetime]]:
    """Times the expert is already seeing patients, or will once the day is published."""
    yield from taken(session, expert_id, day)
    published = session.get(PublishedDay, (expert_id, day)) is not None
    if not published:
        weekly = [weekly_rule(t) for t in expert_templates(session, expert_id)]
        leaves = leaves_between(session, expert_id, day, day + timedelta(days=1))
        for slot in rules.plan_day(day, weekly, zone, leaves):
            yield slot.start, slot.end
