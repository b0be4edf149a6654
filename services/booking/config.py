"""Booking's settings (see :class:`services.common.config.Settings` for the shared ones)."""

from __future__ import annotations

import dataclasses
from datetime import time
from typing import ClassVar

from services.common.config import Settings


@dataclasses.dataclass(frozen=True)
class BookingSettings(Settings):
    SERVICE: ClassVar[str] = "booking"
    DEFAULT_PORT: ClassVar[int] = 8002

    default_time_zone: str = "Asia/Shanghai"
    hold_seconds: int = 300
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
