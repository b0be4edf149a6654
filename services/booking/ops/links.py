"""The patient's short link: one per appointment, made when the patient is first told
and kept until a day after the visit (moved with a rescheduled visit)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..domain.desk import Desk
from ..domain.facts import AppointmentFacts
from ..domain.patient_link import expires_at, new_token
from ..models import PatientLink


def link_for(session: Session, desk: Desk, facts: AppointmentFacts) -> str:
    """The appointment's link, made on first use (kept on the session: a booking's event
    and its answer both carry it)."""
    known: dict[int, PatientLink] = session.info.setdefault("patient_links", {})
    row = known.get(facts.id) or session.scalar(
        select(PatientLink).where(PatientLink.appointment_id == facts.id))
    until = expires_at(facts.visit_ends)
    if row is None:
        # 65 random bits: two tokens alike is a chance of one in 10**19 per pair; the
        # primary key would refuse it rather than let one link open two appointments.
        row = PatientLink(token=new_token(), appointment_id=facts.id, expires_at=until)
        session.add(row)
    elif row.expires_at != until:
        row.expires_at = until
    known[facts.id] = row
    return desk.links.url(row.token)


def forget_links(session: Session, appointment_ids: list[int]) -> None:
    """An erased patient's links stop working."""
    known = session.info.get("patient_links", {})
    for appointment_id in appointment_ids:
        known.pop(appointment_id, None)
    session.execute(delete(PatientLink).where(PatientLink.appointment_id.in_(appointment_ids)))
