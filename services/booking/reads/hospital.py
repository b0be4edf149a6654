"""The hospital as booking last heard of it, and the desk a request works at."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from services.common.contracts.booking import HospitalFacts
from services.common.kept import Kept

from ..config import BookingSettings
from ..domain.desk import Desk
from ..models import Hospital

#: Every request's desk needs the hospital; its facts change a few times a year.
KEPT: Kept[HospitalFacts | None] = Kept(seconds=5.0)


def hospital_facts(session: Session) -> HospitalFacts | None:
    return KEPT.get(session.get_bind().engine.url, Hospital.__tablename__, lambda: _read(session))


def _read(session: Session) -> HospitalFacts | None:
    row = session.get(Hospital, 1)
    if row is None:
        return None
    return HospitalFacts(name=row.name, address=row.address, directions=row.directions,
                         phone=row.phone, time_zone=row.time_zone, language=row.language)


def forget_hospital(session: Session) -> None:
    """Read the hospital afresh once this session's change to it commits."""
    KEPT.forget_when_committed(session, Hospital.__tablename__)


def open_desk(session: Session, settings: BookingSettings, by: str, now: datetime) -> Desk:
    """The desk for one request: who, when, the rules, and the hospital's facts and zone."""
    hospital = hospital_facts(session)
    zone = ZoneInfo(hospital.time_zone if hospital else settings.default_time_zone)
    return Desk(by=by, now=now, zone=zone, rules=settings.rules, links=settings.links,
                hospital=hospital)
