"""The services by name, for tests that run the same check on each."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from tests.support.schedule import CHEAP_HASH_COST

SERVICES = ("schedule", "booking", "notify", "followup")


def service_parts(name: str) -> tuple[Any, Any]:
    """(create_app, settings class) of a service, by name."""
    if name == "schedule":
        from services.schedule.app import create_app
        from services.schedule.config import ScheduleSettings as settings_cls
    elif name == "booking":
        from services.booking.app import create_app
        from services.booking.config import BookingSettings as settings_cls
    elif name == "notify":
        from services.notify.app import create_app
        from services.notify.config import NotifySettings as settings_cls
    else:
        from services.followup.app import create_app
        from services.followup.config import FollowupSettings as settings_cls
    return create_app, settings_cls


def in_process_settings(settings_cls: type, **overrides: Any) -> Any:
    """A service's settings for an app run inside the test process (``var_dir`` among
    ``overrides``): the run's log file, a small pool (four xdist workers' tests, each app
    racing a hundred clients, share one PostgreSQL of 100 connections) and, outside
    production mode, the cheap password hash."""
    values: dict[str, Any] = {"log_level": "INFO", "db_pool_size": 4,
                              "log_file": os.environ.get("LOG_FILE", "")}
    if (any(field.name == "password_hash_cost" for field in dataclasses.fields(settings_cls))
            and overrides.get("env") != "production"):
        values["password_hash_cost"] = CHEAP_HASH_COST
    return settings_cls.from_env(environ={}, **{**values, **overrides})
