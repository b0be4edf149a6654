"""Extra sessions: one-off clinics outside the weekly templates, published at once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain import slots as rules
from ..domain.slots import InvalidSchedule
from ..domain.statuses import SlotOrigin
from ..models import Expert, ExtraSession, PublishedDay, Slot
from ..reads.hospital import hospital_zone
from ..reads.timetable import expert_templates, weekly_rule
from .leave import not_in_past
from .publishing import create_slots, leaves_between, taken


def add_extra_session(session: Session, expert: Expert, day: date, shape: rules.Session,
                      reason: str, by: str, default_zone: str,
                      now: datetime) -> tuple[ExtraSession, list[Slot]]:
    """Add a one-off session; refuse it where it would overlap the expert's other slots."""
    zone = hospital_zone(session, default_zone)
    not_in_past(day, zone, now)
    shape.check()
    rules.check_not_over(day, shape, zone, now)
    session.scalar(select(Expert.id).where(Expert.id == expert.id).with_for_update())
    planned = rules.slots_for_session(day, shape, zone)
    for other_start, other_end in _occupied(session, expert.id, day, zone):
        if any(slot.overlaps(other_start, other_end) for slot in planned):
            raise InvalidSchedule("start", "Overlaps a session the expert already has that day.")
    extra = ExtraSession(expert_id=expert.id, day=day, start=shape.start, end=shape.end,
                         slot_minutes=shape.slot_minutes, capacity_per_slot=shape.capacity,
                         reason=reason, created_by=by, created_at=now)
    session.add(extra)
    session.flush()
    slots = create_slots(session, expert, day, planned, zone, SlotOrigin.EXTRA, now,
                         extra_session_id=extra.id)
    return extra, slots


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
