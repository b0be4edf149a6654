"""When an expert is away: their patients' appointments cancelled, with alternatives."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.rules import BookingDesk
from ..domain.statuses import AppointmentStatus, CancelReason
from ..models import Appointment
from ..reads.alternatives import alternatives_for
from .changes import cancel


def cancel_for_expert_leave(session: Session, desk: BookingDesk, slot_ids: list[int],
                            note: str | None) -> int:
    """Cancel the booked appointments in these slots with reason ``expert_unavailable``."""
    if not slot_ids:
        return 0
    appointments = session.execute(select(
        Appointment.id, Appointment.expert_id, Appointment.department_id, Appointment.start_at)
        .where(Appointment.slot_id.in_(slot_ids), Appointment.status == AppointmentStatus.BOOKED)
        .order_by(Appointment.start_at, Appointment.queue_number)).all()
    for appointment_id, expert_id, department_id, start in appointments:
        offers = alternatives_for(session, desk, expert_id=expert_id,
                                  department_id=department_id, start=start)
        cancel(session, desk, appointment_id, CancelReason.EXPERT_UNAVAILABLE, note,
               alternatives=offers, from_leave=True)
    return len(appointments)
