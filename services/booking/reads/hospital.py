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


def hospital_facts(session: Session, *, fresh: bool = False) -> HospitalFacts | None:
    """As last heard, kept for a few seconds (forgotten when this process commits a change
    to the copy). ``fresh`` reads the row itself: another process's change (the worker's
    handler) is not seen by this process's kept value for up to those seconds, and a text
    the patient is given must say what their SMS says (issue 27 item 11b)."""
    if fresh:
        return _read(session)
    facts: HospitalFacts | None = KEPT.get(session.get_bind().engine.url,
                                          Hospital.__tablename__, lambda: _read(session))
    return facts


def _read(session: Session) -> HospitalFacts | None:
    row = session.get(Hospital, 1)
    if row is None:
        return None
    return HospitalFacts(name=row.name, address=row.address, directions=row.directions,
                         phone=row.phone, time_zone=row.time_zone, language=row.language)


def open_desk(session: Session, settings: BookingSettings, by: str, now: datetime, *,
              fresh_hospital: bool = False) -> Desk:
    """The desk for one request: who, when, the rules, and the hospital's facts and zone.
    ``fresh_hospital`` for a request whose answer tells the hospital's facts (the booking's
    confirmation text): one primary-key read in the request's transaction, never kept."""
    hospital = hospital_facts(session, fresh=fresh_hospital)
    zone = ZoneInfo(hospital.time_zone if hospital else settings.default_time_zone)
    return Desk(by=by, now=now, zone=zone, rules=settings.rules, links=settings.links,
                hospital=hospital)
