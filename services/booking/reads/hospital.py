"""The hospital as booking last heard of it, and the desk a request works at."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from services.common.contracts.booking import HospitalFacts
from services.common.hospital_copy import KEPT

from ..config import BookingSettings
from ..domain.desk import Desk
from ..models import Hospital


def hospital_facts(session: Session) -> HospitalFacts | None:
    """As last heard, kept for a few seconds (forgotten when the copy changes)."""
    facts: HospitalFacts | None = KEPT.get(session.get_bind().engine.url,
                                          Hospital.__tablename__, lambda: _read(session))
    return facts


def _read(session: Session) -> HospitalFacts | None:
    row = session.get(Hospital, 1)
    if row is None:
        return None
    return HospitalFacts(name=row.name, address=row.address, directions=row.directions,
                         phone=row.phone, time_zone=row.time_zone, language=row.language)


def open_desk(session: Session, settings: BookingSettings, by: str, now: datetime) -> Desk:
    """The desk for one request: who, when, the rules, and the hospital's facts and zone."""
    hospital = hospital_facts(session)
    zone = ZoneInfo(hospital.time_zone if hospital else settings.default_time_zone)
    return Desk(by=by, now=now, zone=zone, rules=settings.rules, links=settings.links,
                hospital=hospital)
