"""When an expert is away: their patients' appointments cancelled, with alternatives."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from .appointments import cancel
from .config import BookingSettings
from .desk import Desk, open_desk
from .domain.alternatives import Candidate, choose_alternatives
from .models import Appointment, Expert, Slot

SYSTEM = "system"


def cancel_for_expert_leave(session: Session, settings: BookingSettings, slot_ids: list[int],
                            note: str | None) -> int:
    """Cancel the booked appointments in these slots with reason ``expert_unavailable``."""
    if not slot_ids:
        return 0
    desk = open_desk(session, settings, SYSTEM)
    appointments = session.scalars(select(Appointment).where(
        Appointment.slot_id.in_(slot_ids), Appointment.status == "booked")
        .order_by(Appointment.start_at, Appointment.queue_number)).all()
    for appointment in appointments:
        offers = alternatives_for(session, desk, appointment)
        cancel(session, desk, appointment, "expert_unavailable", note, alternatives=offers)
    return len(appointments)


def alternatives_for(session: Session, desk: Desk, appointment: Appointment,
                     limit: int = 3) -> list[dict[str, Any]]:
    """Up to three bookable places: the same expert's next, then the department's nearest."""
    bookable_from = desk.now + timedelta(minutes=desk.window.cutoff_minutes)
    free = (select(Slot, Expert.name).join(Expert, Expert.id == Slot.expert_id).where(
        Slot.status == "active", Slot.booked + Slot.held < Slot.capacity,
        Slot.start_at > bookable_from, Slot.department_id == appointment.department_id))
    same_expert = free.where(Slot.expert_id == appointment.expert_id)
    others = free.where(Slot.expert_id != appointment.expert_id)
    rows = [*_first(session, same_expert.order_by(Slot.start_at), limit * 4),
            *_first(session, others.where(Slot.start_at >= appointment.start_at)
                    .order_by(Slot.start_at), limit * 4),
            *_first(session, others.where(Slot.start_at < appointment.start_at)
                    .order_by(Slot.start_at.desc()), limit * 4)]
    released = {slot.id: (slot, name) for slot, name in rows
                if desk.window.opens_at(slot.day, desk.zone) <= desk.now}
    candidates = [Candidate(s.id, s.expert_id, s.department_id, s.start_at,
                            s.capacity - s.booked - s.held) for s, _ in released.values()]
    chosen = choose_alternatives(appointment.expert_id, appointment.department_id,
                                 appointment.start_at, candidates, limit=limit)
    return [_offer(*released[c.slot_id], desk) for c in chosen]


def _first(session: Session, query: Select[Any], count: int) -> list[Any]:
    return list(session.execute(query.limit(count)).all())


def _offer(slot: Slot, expert_name: str, desk: Desk) -> dict[str, Any]:
    return {"slot_id": slot.id, "expert_id": slot.expert_id, "expert_name": expert_name,
            "start": slot.start_at.isoformat().replace("+00:00", "Z"),
            "local_start": slot.start_at.astimezone(desk.zone).strftime("%Y-%m-%d %H:%M"),
            "remaining": slot.capacity - slot.booked - slot.held}
