"""The hospital as followup last heard of it, and the desk a request works at."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from services.common.contracts.schedule import HospitalUpdated

from ..config import FollowupSettings
from ..domain.desk import Desk
from ..models import Hospital


def hospital_facts(session: Session) -> HospitalUpdated | None:
    row = session.get(Hospital, 1)
    if row is None:
        return None
    return HospitalUpdated(**{f.name: getattr(row, f.name)
                              for f in dataclasses.fields(HospitalUpdated)})


def open_desk(session: Session, settings: FollowupSettings, by: str, now: datetime) -> Desk:
    hospital = hospital_facts(session)
    zone = ZoneInfo(hospital.time_zone if hospital else settings.default_time_zone)
    return Desk(by=by, now=now, zone=zone, rules=settings.rules, hospital=hospital)
