"""Booking's worker: consumer of schedule's events, outbox relay, hold expiry, no-shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from services.common.event_handlers import SYSTEM
from services.common.metrics import count_gauge, dead_letter_gauge, outbox_gauges, worker_metrics
from services.common.runtime import Runtime
from services.common.service import make_consumer, make_relay
from services.common.unit_of_work import unit_of_work
from services.common.worker import Loop, Periodic, run_loops

from .config import BookingSettings
from .domain.rules import BookingDesk
from .domain.statuses import HoldStatus
from .handlers import handlers
from .models import DeadLetter, Hold, InboxRecord, OutboxMessage
from .ops import waitlist
from .ops.changes import mark_no_shows
from .ops.holds import expire_stale_holds
from .ops.retention import purge_old


def timer(rt: Runtime[BookingSettings],
          task: Callable[[Session, BookingDesk], Any]) -> Callable[[], Any]:
    """Run ``task`` in its own unit of work, at the system's desk."""

    def run() -> Any:
        with unit_of_work(rt, SYSTEM) as work:
            return task(work.session, work.desk)

    return run


def build_loops(rt: Runtime[BookingSettings]) -> dict[str, Loop]:
    settings = rt.settings
    consumer = make_consumer(rt, handlers(rt), InboxRecord, DeadLetter)
    return {
        "booking-relay": make_relay(rt, OutboxMessage).run,
        "booking-consumer": consumer.run_until,
        "booking-holds": Periodic("expire-holds", settings.hold_expiry_interval_seconds,
                                  timer(rt, expire_stale_holds)),
        "booking-no-shows": Periodic("mark-no-shows", settings.no_show_interval_seconds,
                                     timer(rt, mark_no_shows)),
        "booking-waitlist": Periodic("expire-waitlist", settings.no_show_interval_seconds,
                                     timer(rt, waitlist.expire)),
        "booking-retention": Periodic("retention", settings.retention_interval_seconds,
                                      lambda: purge_old(rt)),
    }


def run_worker(rt: Runtime[BookingSettings]) -> None:
    gauges = [outbox_gauges("booking", OutboxMessage), dead_letter_gauge("booking", DeadLetter),
              count_gauge("clinic_holds_active", "Places held for a consultant right now.",
                          Hold, Hold.status == HoldStatus.ACTIVE)]
    with worker_metrics(rt.settings, rt.db, rt.now, gauges):
        run_loops(build_loops(rt))
