"""Schedule's settings (see :class:`services.common.config.Settings` for the shared ones)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from services.common.config import ConfigError, Settings
from services.common.runtime import Runtime, current_runtime

from .domain.passwords import (
    DEVELOPMENT_PASSWORD_LENGTH,
    PRODUCTION_HASH_COST,
    PRODUCTION_PASSWORD_LENGTH,
)


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
    #: scrypt's cost (N, a power of two) for new password hashes. Production refuses less
    #: than werkzeug's default; the tests take less, as each hash costs 0.1 CPU-s.
    password_hash_cost: int = PRODUCTION_HASH_COST

    @property
    def min_password_length(self) -> int:
        return PRODUCTION_PASSWORD_LENGTH if self.is_production else DEVELOPMENT_PASSWORD_LENGTH

    def __post_init__(self) -> None:
        """scrypt takes only a power of two above 1: anything else would fail each new
        password at the moment it is set."""
        cost = self.password_hash_cost
        if cost < 2 or cost & (cost - 1):
            raise ConfigError(f"PASSWORD_HASH_COST must be a power of two, not {cost}")

    def check_production(self) -> None:
        super().check_production()
        if self.is_production and self.password_hash_cost < PRODUCTION_HASH_COST:
            raise ConfigError(f"production needs PASSWORD_HASH_COST of at least "
                              f"{PRODUCTION_HASH_COST} (scrypt's N)")


def runtime() -> Runtime[ScheduleSettings]:
    """The running schedule service, inside a request or an app context."""
    return current_runtime(ScheduleSettings)
