"""Which appointment a patient's link names, if it still names one."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..domain.patient_link import InvalidLink, looks_like_token
from ..domain.rules import BookingDesk
from ..models import Appointment, PatientLink


def appointment_of(session: Session, desk: BookingDesk, token: str) -> int:
    """The appointment id of a live link; :class:`InvalidLink` for anything else."""
    if looks_like_token(token):
        row = session.get(PatientLink, token)
        if row is None or row.expires_at <= desk.now:
            raise InvalidLink()
        return row.appointment_id
    if "." not in token or len(token) > 1000:
        raise InvalidLink()
    appointment_id, code = desk.rules.links.verify_signed(token)  # sent by an earlier version
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.code != code:
        raise InvalidLink()
    return appointment_id
