"""The hospital's facts: saved and told to booking and notify in one transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from services.common.contracts.schedule import HospitalUpdated

from ..domain.hospital import HospitalFacts
from ..models import Hospital, outbox


def save_hospital(session: Session, facts: HospitalFacts, now: datetime) -> Hospital:
    """Create or replace the hospital's facts and tell the other services."""
    facts.validate()
    row = session.get(Hospital, 1, with_for_update=True)
    if row is None:
        row = Hospital(id=1)
        session.add(row)
    for name, value in facts.as_event_data().items():
        setattr(row, name, value)
    row.updated_at = now
    outbox.add(session, HospitalUpdated(**facts.as_event_data()))
    return row
