"""What a service does with each event it consumes, declared once per event type.

``HANDLERS = EventHandlers()`` then ``@HANDLERS.on(SlotsCancelled)`` on a function of
``(work, cancelled, event)``: the queue's bindings (``HANDLERS.types``) and the consumer's
handlers (``HANDLERS.bind(rt)``) both come from that one list. Each handler runs in the
inbox's transaction at the system's desk (see :mod:`services.common.unit_of_work`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from .contracts import Contract
from .events import Event
from .inbox import Handler
from .runtime import Runtime
from .unit_of_work import Work, desk_for

#: Who acts when a service reacts to an event or a timer fires.
SYSTEM = "system"

C = TypeVar("C", bound=Contract)
WorkHandler = Callable[[Work[Any], Any, Event], None]
F = TypeVar("F", bound=WorkHandler)


class EventHandlers:
    """A service's handlers by event type (one per type)."""

    def __init__(self) -> None:
        self._by_type: dict[str, tuple[type[Contract], WorkHandler]] = {}

    def add(self, contract: type[Contract], handle: WorkHandler) -> None:
        if contract.TYPE in self._by_type:
            raise ValueError(f"{contract.TYPE} is handled twice")
        self._by_type[contract.TYPE] = (contract, handle)

    def on(self, contract: type[Contract]) -> Callable[[F], F]:
        """Register the decorated function as the handler of ``contract``'s events."""

        def register(handle: F) -> F:
            self.add(contract, handle)
            return handle

        return register

    @property
    def types(self) -> tuple[str, ...]:
        """The event types the service's queue is bound to."""
        return tuple(self._by_type)

    def contracts(self) -> tuple[type[Contract], ...]:
        return tuple(contract for contract, _ in self._by_type.values())

    def bind(self, rt: Runtime[Any]) -> dict[str, Handler]:
        """The inbox consumer's handlers: each event read as its contract, handled at the
        system's desk in the inbox's transaction."""
        return {event_type: _bound(rt, contract, handle)
                for event_type, (contract, handle) in self._by_type.items()}


def _bound(rt: Runtime[Any], contract: type[Contract], handle: WorkHandler) -> Handler:
    def handler(session: Session, event: Event) -> None:
        facts = contract.from_event(event)
        handle(Work(session, desk_for(rt, session, SYSTEM), rt), facts, event)

    return handler
