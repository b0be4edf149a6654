"""The hospital's facts, as every service's domain holds them (not as the wire carries them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

LANGUAGES = ("zh-CN", "en")


@dataclass(frozen=True)
class Hospital:
    """The facts patients read in their messages: name, where, how to get there, when."""

    name: str
    address: str
    directions: str
    phone: str
    time_zone: str
    language: str = "zh-CN"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def zone_of(hospital: Hospital | None, default: str) -> ZoneInfo:
    """The hospital's zone, or ``default`` before schedule has told this service its own:
    the one place a zone is worked out."""
    return hospital.zone if hospital is not None else ZoneInfo(default)


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()
