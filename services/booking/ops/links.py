"""The patient's short link: one per appointment, made when the patient is first told
and kept until a day after the visit (moved with a rescheduled visit)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from services.common.db import append_row, table_of

from ..domain.facts import AppointmentFacts
from ..domain.patient_link import expires_at, new_token
from ..domain.rules import BookingDesk
from ..models import PatientLink

LINKS = table_of(PatientLink)
_KNOWN = "patient_links"  # session.info: appointment id -> (token, expires_at)


def link_for(session: Session, desk: BookingDesk, facts: AppointmentFacts) -> str:
    """The appointment's link, made on first use (kept on the session: a booking's event
    and its answer both carry it)."""
    known: dict[int, tuple[str, datetime]] = session.info.setdefault(_KNOWN, {})
    if facts.id not in known:
        row = session.execute(select(LINKS.c.token, LINKS.c.expires_at)
                              .where(LINKS.c.appointment_id == facts.id)).first()
        if row is None:
            return new_link(session, desk, facts)
        known[facts.id] = (row.token, row.expires_at)
    token, until = known[facts.id]
    if until != expires_at(facts.visit_ends):  # the visit moved: so does the link's end
        until = expires_at(facts.visit_ends)
        session.execute(update(LINKS).where(LINKS.c.token == token).values(expires_at=until))
        known[facts.id] = (token, until)
    return desk.rules.links.url(token)


def new_link(session: Session, desk: BookingDesk, facts: AppointmentFacts) -> str:
    """The link of an appointment that has none (one just booked): written without
    looking for one first."""
    # 65 random bits: two tokens alike is a chance of one in 10**19 per pair; the
    # primary key would refuse it rather than let one link open two appointments.
    token, until = new_token(), expires_at(facts.visit_ends)
    append_row(session, LINKS, dict(token=token, appointment_id=facts.id, expires_at=until))
    session.info.setdefault(_KNOWN, {})[facts.id] = (token, until)
    return desk.rules.links.url(token)


def forget_links(session: Session, appointment_ids: list[int]) -> None:
    """An erased patient's links stop working."""
    known = session.info.get(_KNOWN, {})
    for appointment_id in appointment_ids:
        known.pop(appointment_id, None)
    session.execute(delete(LINKS).where(LINKS.c.appointment_id.in_(appointment_ids)))
