"""Schedule's settings (see :class:`services.common.config.Settings` for the shared ones)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from services.common.config import Settings
from services.common.runtime import Runtime, current_runtime

from .domain.passwords import DEVELOPMENT_PASSWORD_LENGTH, PRODUCTION_PASSWORD_LENGTH


@dataclasses.dataclass(frozen=True)
class ScheduleSettings(Settings):
    SERVICE: ClassVar[str] = "schedule"
    DEFAULT_PORT: ClassVar[int] = 8001

    publish_horizon_days: int = 14
    publish_interval_seconds: float = 3600
    load_demo: bool = True
    #: An address waits once this many sign-ins from it failed within the window below
    #: (a whole call centre signs in from one address: much more than one account's 5).
    sign_in_address_failures: int = 100
    sign_in_address_minutes: int = 15

    @property
    def min_password_length(self) -> int:
        return PRODUCTION_PASSWORD_LENGTH if self.is_production else DEVELOPMENT_PASSWORD_LENGTH


def runtime() -> Runtime[ScheduleSettings]:
    """The running schedule service, inside a request or an app context."""
    return current_runtime(ScheduleSettings)
