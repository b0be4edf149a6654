"""Events schedule consumes: none. Schedule is the source of the directory and slots;
the other services learn from it, never the reverse.

Declared all the same, as every service declares its own (``EventHandlers``), so the
queue bindings and the consumer come from one empty list rather than a special case.
"""

from __future__ import annotations

from typing import Any

from services.common.event_handlers import EventHandlers
from services.common.inbox import Handler
from services.common.runtime import Runtime

HANDLERS = EventHandlers()
EVENT_TYPES = HANDLERS.types


def handlers(rt: Runtime[Any]) -> dict[str, Handler]:
    return HANDLERS.bind(rt)
