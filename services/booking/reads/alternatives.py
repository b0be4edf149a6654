"""Places to offer a patient whose appointment the hospital cancelled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..domain.alternatives import Alternative, Candidate, choose_alternatives
from ..domain.rules import BookingDesk
from ..domain.statuses import SlotStatus
from ..models import Expert, Slot


def alternatives_for(session: Session, desk: BookingDesk, *, expert_id: int, department_id: int,
                     start: datetime, limit: int = 3) -> list[Alternative]:
    """Up to three bookable places: the same expert's next, then the department's nearest.
    Never one that has begun, even where the cut-off lets staff book after the start
    (a negative ``CUTOFF_MINUTES``): the patient could not come to it. Never an inactive
    expert's: deactivating an expert cancels their slots day by day, and the later days'
    slots must not be offered to the patients of the earlier ones."""
    bookable_from = desk.rules.window.offered_after(desk.now)
    free = (select(Slot, Expert.name).join(Expert, Expert.id == Slot.expert_id).where(
        Slot.status == SlotStatus.ACTIVE, Slot.booked + Slot.held < Slot.capacity,
        Expert.active.is_(True),
        Slot.start_at > bookable_from, Slot.department_id == department_id))
    same_expert = free.where(Slot.expert_id == expert_id)
    others = free.where(Slot.expert_id != expert_id)
    rows = [*_first(session, same_expert.order_by(Slot.start_at), limit * 4),
            *_first(session, others.where(Slot.start_at >= start).order_by(Slot.start_at),
                    limit * 4),
            *_first(session, others.where(Slot.start_at < start)
                    .order_by(Slot.start_at.desc()), limit * 4)]
    released = {slot.id: (slot, name) for slot, name in rows
                if desk.rules.window.opens_at(slot.day, desk.zone) <= desk.now}
    candidates = [Candidate(s.id, s.expert_id, s.department_id, s.start_at,
                            s.capacity - s.booked - s.held) for s, _ in released.values()]
    chosen = choose_alternatives(expert_id, department_id, start, candidates, limit=limit)
    return [_offer(*released[c.slot_id]) for c in chosen]


def _first(session: Session, query: Select[Slot, str], count: int) -> list[Any]:
    return list(session.execute(query.limit(count)).all())


def _offer(slot: Slot, expert_name: str) -> Alternative:
    return Alternative(slot_id=slot.id, expert_id=slot.expert_id, expert_name=expert_name,
                       start=slot.start_at, remaining=slot.capacity - slot.booked - slot.held)
