"""What every booking operation needs to know: now, the hospital's zone, the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from services.common.db import utcnow

from .config import BookingSettings
from .domain.rules import BookingWindow, CancelWindow, NoShowPolicy
from .models import Hospital


@dataclass
class Desk:
    """The circumstances of one request: who acts, when, and under which rules."""

    by: str
    now: datetime
    zone: ZoneInfo
    settings: BookingSettings
    hospital: dict[str, str] = field(default_factory=dict)

    @property
    def window(self) -> BookingWindow:
        s = self.settings
        return BookingWindow(s.release_days, s.release_time, s.cutoff_minutes)

    @property
    def cancel_window(self) -> CancelWindow:
        return CancelWindow(self.settings.patient_cancel_cutoff_minutes)

    @property
    def no_shows(self) -> NoShowPolicy:
        return NoShowPolicy(self.settings.no_show_threshold, self.settings.no_show_days)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()


def open_desk(session: Session, settings: BookingSettings, by: str,
              now: datetime | None = None) -> Desk:
    """The desk for a request, with the hospital's facts as booking last heard them."""
    hospital = session.get(Hospital, 1)
    zone = ZoneInfo(hospital.time_zone if hospital else settings.default_time_zone)
    facts = {}
    if hospital is not None:
        facts = {"name": hospital.name, "address": hospital.address,
                 "directions": hospital.directions, "phone": hospital.phone,
                 "time_zone": hospital.time_zone, "language": hospital.language}
    return Desk(by=by, now=now or utcnow(), zone=zone, settings=settings, hospital=facts)
