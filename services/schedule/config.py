"""Schedule's settings (see :class:`services.common.config.Settings` for the shared ones)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from services.common.config import Settings


@dataclasses.dataclass(frozen=True)
class ScheduleSettings(Settings):
    SERVICE: ClassVar[str] = "schedule"
    DEFAULT_PORT: ClassVar[int] = 8001

    default_time_zone: str = "Asia/Shanghai"
    publish_horizon_days: int = 14
    publish_interval_seconds: float = 3600
    load_demo: bool = True
