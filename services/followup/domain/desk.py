"""The circumstances of one follow-up request: who acts, when, where, under which rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.common.contracts.schedule import HospitalUpdated

from .calling import CallRules


@dataclass(frozen=True)
class Desk:
    by: str
    now: datetime
    zone: ZoneInfo
    rules: CallRules
    hospital: HospitalUpdated | None = None

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()
