"""The hospital's facts and the day it is there."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from services.common.hospital_copy import hospital_zone as _zone

from ..models import Hospital


def get_hospital(session: Session) -> Hospital | None:
    return session.get(Hospital, 1)


def hospital_zone(session: Session, default: str) -> ZoneInfo:
    """The hospital's time zone, or the configured default before facts are entered."""
    return _zone(session, Hospital, default)


def local_today(zone: ZoneInfo, now: datetime) -> date:
    return now.astimezone(zone).date()
