"""The time a service acts at, settable so tests move time instead of editing rows.

Every request and timer asks its runtime's clock for "now"; production uses the
system clock, tests a :class:`MovableClock` they move forward.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware in UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class MovableClock:
    """The machine's clock moved by an offset that tests set: it keeps ticking, so
    workers running in the test still see time pass, but the test decides the hour."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def set(self, at: datetime) -> None:
        """From now on the clock reads ``at`` and ticks on from there."""
        if at.tzinfo is None:
            raise ValueError("a clock is set to an aware moment")
        with self._lock:
            self._offset = at - datetime.now(UTC)

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._offset += delta
        return self.now()
