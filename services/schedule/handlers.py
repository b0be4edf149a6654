"""Events schedule consumes: none. Schedule is the source of the directory and slots;
the other services learn from it, never the reverse."""

from __future__ import annotations

from services.common.inbox import Handler
from services.common.web import Runtime

from .config import ScheduleSettings

EVENT_TYPES: tuple[str, ...] = ()


def handlers(rt: Runtime[ScheduleSettings]) -> dict[str, Handler]:
    return {}
