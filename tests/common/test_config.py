"""Settings come from the environment; production refuses the demo key."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.booking.config import BookingSettings
from services.common.config import DEFAULT_JWT_SECRET, ConfigError
from services.schedule.config import ScheduleSettings


def test_embedded_defaults_use_files_under_var() -> None:
    settings = BookingSettings.from_env(environ={})
    assert settings.database_url == "sqlite:///var/booking.db"
    assert settings.broker_url == "filesystem://"
    assert settings.bus_dir == Path("var/bus")
    assert settings.port == 8002


def test_service_prefixed_variable_wins_over_the_plain_one() -> None:
    env = {"DATABASE_URL": "postgresql://db/plain", "BOOKING_DATABASE_URL": "postgresql://db/b",
           "HOLD_SECONDS": "120", "BOOKING_PORT": "9002"}
    settings = BookingSettings.from_env(environ=env)
    assert settings.database_url == "postgresql://db/b"
    assert settings.hold_seconds == 120
    assert settings.port == 9002
    assert ScheduleSettings.from_env(environ=env).database_url == "postgresql://db/plain"


def test_production_refuses_the_default_signing_key() -> None:
    settings = ScheduleSettings.from_env(environ={"ENV": "production"})
    assert settings.jwt_secret == DEFAULT_JWT_SECRET
    with pytest.raises(ConfigError):
        settings.check_production()


def test_production_accepts_a_real_key() -> None:
    settings = ScheduleSettings.from_env(environ={"ENV": "production", "JWT_SECRET": "k" * 40})
    settings.check_production()
