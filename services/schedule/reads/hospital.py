"""The hospital's facts as the admin entered them, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from services.common.refusals import NotFound

from ..models import Hospital


@dataclass(frozen=True)
class HospitalView:
    name: str
    address: str
    directions: str
    phone: str
    time_zone: str
    language: str
    updated_at: datetime


def hospital_entered(session: Session) -> bool:
    return session.get(Hospital, 1) is not None


def hospital(session: Session) -> HospitalView:
    """The facts, or a 404 saying what to do before an admin entered them."""
    row = session.get(Hospital, 1)
    if row is None:
        raise NotFound("hospital", message="The hospital's facts have not been entered yet.")
    return HospitalView(name=row.name, address=row.address, directions=row.directions,
                        phone=row.phone, time_zone=row.time_zone, language=row.language,
                        updated_at=row.updated_at)
