"""The desk: the circumstances of one unit of work — who acts, when, where, under which rules.

Every service's domain and operations take a desk instead of reading a clock, a zone or the
settings themselves; a test builds one by hand. ``R`` is the service's rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from .hospital import Hospital, local_day

R = TypeVar("R")


@dataclass(frozen=True)
class Desk(Generic[R]):
    by: str
    now: datetime
    zone: ZoneInfo
    rules: R
    hospital: Hospital | None = None

    @property
    def today(self) -> date:
        return local_day(self.now, self.zone)
