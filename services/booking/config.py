"""Booking's settings (see :class:`services.common.config.Settings` for the shared ones)."""

from __future__ import annotations

import dataclasses
from datetime import time
from typing import ClassVar

from services.common.config import Settings
from services.common.runtime import Runtime, current_runtime

from .domain.patient_link import PatientLinks
from .domain.rules import BookingWindow, CancelWindow, NoShowPolicy, Rules


@dataclasses.dataclass(frozen=True)
class BookingSettings(Settings):
    SERVICE: ClassVar[str] = "booking"
    DEFAULT_PORT: ClassVar[int] = 8002
    COUNTS_BOOKING_REFUSALS: ClassVar[bool] = True

    hold_seconds: int = 300
    max_holds_per_staff: int = 3
    phone_region: str = "CN"
    release_days: int = 14
    release_time: time = time(7, 0)
    cutoff_minutes: int = 30
    patient_cancel_cutoff_minutes: int = 120
    no_show_threshold: int = 3
    no_show_days: int = 90
    no_show_grace_minutes: int = 30
    hold_expiry_interval_seconds: float = 2.0
    no_show_interval_seconds: float = 60.0
    #: The stream process (console counts pushed): its port, threads (one per open
    #: console) and the address browsers reach it at (default http://HOST:STREAM_PORT).
    stream_port: int = 8005
    stream_threads: int = 256
    stream_url: str = ""

    @property
    def stream_address(self) -> str:
        return self.stream_url or f"http://{self.host}:{self.stream_port}"

    def service_urls(self) -> tuple[str, ...]:
        """The clinic's origins and the stream's: the console's page may connect to it."""
        return (*super().service_urls(), self.stream_address)

    @property
    def rules(self) -> Rules:
        return Rules(
            window=BookingWindow(self.release_days, self.release_time, self.cutoff_minutes),
            cancel_window=CancelWindow(self.patient_cancel_cutoff_minutes),
            no_shows=NoShowPolicy(self.no_show_threshold, self.no_show_days),
            hold_seconds=self.hold_seconds, max_holds=self.max_holds_per_staff,
            no_show_grace_minutes=self.no_show_grace_minutes,
            links=PatientLinks(self.jwt_secret, self.booking_url))


def runtime() -> Runtime[BookingSettings]:
    """The running booking service, inside a request or an app context."""
    return current_runtime(BookingSettings)
