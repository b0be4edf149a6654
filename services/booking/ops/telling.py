"""The one way an appointment's change is told: its facts, as an event, into the outbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.common.contracts.booking import AppointmentBooked, AppointmentEvent
from services.common.metrics import BOOKINGS, after_commit

from ..domain.facts import AppointmentFacts
from ..domain.rules import BookingDesk
from ..models import outbox
from ..wire import appointment_event
from .links import link_for


def tell(session: Session, desk: BookingDesk, facts: AppointmentFacts, kind: type[AppointmentEvent],
         **extra: Any) -> None:
    outbox.add(session, appointment_event(facts, kind, link_for(session, desk, facts), **extra),
               patient_id=facts.patient.id)
    if kind is AppointmentBooked:  # every booking is told here, whichever way it was made
        after_commit(session, BOOKINGS.labels(channel=facts.channel).inc)
