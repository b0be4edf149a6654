"""The one way an appointment's change is told: its facts, as an event, into the outbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.common.contracts.booking import AppointmentEvent

from ..domain.desk import Desk
from ..domain.facts import AppointmentFacts
from ..models import outbox
from .links import link_for


def tell(session: Session, desk: Desk, facts: AppointmentFacts, kind: type[AppointmentEvent],
         **extra: Any) -> None:
    outbox.add(session, facts.event(kind, link_for(session, desk, facts), **extra),
               patient_id=facts.patient.id)
