"""The circumstances of one request: who acts, when, where, and under which rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.common.contracts.booking import HospitalFacts

from .patient_link import PatientLinks
from .rules import Rules


@dataclass(frozen=True)
class Desk:
    by: str
    now: datetime
    zone: ZoneInfo
    rules: Rules
    links: PatientLinks
    hospital: HospitalFacts | None = None

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()
