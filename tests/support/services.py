"""The services by name, for tests that run the same check on each."""

from __future__ import annotations

from typing import Any

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
