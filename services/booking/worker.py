"""Booking's worker: consumer of schedule's events, outbox relay, hold expiry, no-shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from services.common.service import make_consumer, make_relay
from services.common.web import Runtime
from services.common.worker import Loop, Periodic, run_loops

from . import appointments
from .desk import Desk, open_desk
from .handlers import handlers
from .models import DeadLetter, InboxRecord, OutboxMessage

SYSTEM = "system"


def as_system(rt: Runtime, task: Callable[[Session, Desk], Any]) -> Callable[[], Any]:
    """Run ``task`` in its own transaction, acting as the system."""

    def run() -> Any:
        with rt.db.transaction() as session:
            return task(session, open_desk(session, rt.settings, SYSTEM))

    return run


def build_loops(rt: Runtime) -> dict[str, Loop]:
    settings = rt.settings
    consumer = make_consumer(rt, handlers(settings), InboxRecord, DeadLetter)
    return {
        "booking-relay": make_relay(rt, OutboxMessage).run,
        "booking-consumer": consumer.run_until,
        "booking-holds": Periodic("expire-holds", settings.hold_expiry_interval_seconds,
                                  as_system(rt, appointments.expire_stale_holds)),
        "booking-no-shows": Periodic("mark-no-shows", settings.no_show_interval_seconds,
                                     as_system(rt, appointments.mark_no_shows)),
    }


def run_worker(rt: Runtime) -> None:
    run_loops(build_loops(rt))
