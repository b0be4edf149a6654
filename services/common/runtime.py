"""The runtime: one service's settings, database, bus and clock while it runs.

Web processes, workers and timers all hold one; this module imports no web framework,
so a worker that consumes events never loads Flask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .clock import Clock, SystemClock
from .config import Settings

if TYPE_CHECKING:  # names for the checker only: settings alone load no database or bus
    from sqlalchemy.orm import Session

    from .bus import Bus
    from .db import Database
    from .hospital import Hospital
    from .tokens import Principal

S = TypeVar("S", bound=Settings)


@dataclass
class Runtime(Generic[S]):
    """The one place a service's settings, database, bus and clock live while it runs."""

    settings: S
    db: Database
    bus: Bus
    clock: Clock = field(default_factory=SystemClock)
    #: Whether a principal's token is still honoured (not revoked); None honours all.
    tokens: Callable[[Principal], bool] | None = None
    #: How this service reads the hospital's facts in a transaction (``fresh`` skips the
    #: few seconds' keeping); None for a service that has no hospital to read.
    hospital: Callable[[Session, bool], Hospital | None] | None = None

    def now(self) -> datetime:
        return self.clock.now()


def current_runtime(kind: type[S]) -> Runtime[S]:
    """The runtime of the app handling this request, its settings of type ``kind``.

    Flask is imported here, on first use in a request, never by a worker."""
    from flask import current_app

    rt: Runtime[Any] = current_app.extensions["clinic"]
    if not isinstance(rt.settings, kind):
        raise TypeError(f"this app runs {type(rt.settings).__name__}, not {kind.__name__}")
    return rt
