"""Boot steps every service runs the same way, in its web and its worker process."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import MetaData

from .bus import Bus
from .clock import Clock, SystemClock
from .db import Database, is_transient
from .hospital_copy import HospitalCopyMixin, hospital_reader
from .inbox import BeforeBatch, DeadLetterMixin, Handler, InboxConsumer, InboxMixin
from .logging import configure_logging
from .migrations import upgrade
from .outbox import OutboxMixin, Relay
from .runtime import Runtime, S
from .tracing import configure as configure_tracing

log = logging.getLogger(__name__)

#: How long a starting process waits for a database that is away for a moment (restarting,
#: failing over, its connections cut) before it gives up and exits.
START_WAIT_SECONDS = 60.0


def boot(settings: S, migrations: str, consumes: Iterable[str] = (),
         clock: Clock | None = None, metadata: MetaData | None = None,
         hospital: type[HospitalCopyMixin] | None = None) -> Runtime[S]:
    """Check the settings, open the database (migrated) and set up the service's queue.

    A consuming service declares its queue and bindings here, at every start of
    any of its processes: a broker drops events published to a type nobody has
    bound yet, so the queue must exist before the producers' relays run.
    """
    configure_logging(settings.SERVICE, settings.log_level, settings.log_format,
                      settings.log_file)
    settings.check_production()
    configure_tracing(settings.SERVICE, settings.otel_exporter_otlp_endpoint)
    db = Database(settings.database_url, pool_size=settings.db_pool_size, metadata=metadata)
    if settings.migrate_on_start:
        migrate_when_reachable(db, migrations)
    bus = Bus(settings.broker_url, bus_dir=settings.bus_dir, queue_type=settings.bus_queue_type)
    if consumes:
        declare_queue(bus, settings.SERVICE, consumes)
    return Runtime(settings=settings, db=db, bus=bus, clock=clock or SystemClock(),
                   hospital=hospital_reader(hospital) if hospital is not None else None)


def migrate_when_reachable(db: Database, migrations: str,
                           wait: float = START_WAIT_SECONDS) -> None:
    """:func:`upgrade`, tried again while the database is away for a moment. A process
    restarted in the same instant as the database's connections were cut exited here, and
    nothing started it again: its messages were never sent (the soak, 2026-12-07)."""
    deadline = time.monotonic() + wait
    pause = 0.5
    while True:
        try:
            upgrade(db, migrations)
            return
        except Exception as exc:
            if not is_transient(exc) or time.monotonic() + pause > deadline:
                raise
            log.warning("the database is away (%s); trying again in %.1f s",
                        type(exc).__name__, pause)
        time.sleep(pause)
        pause = min(pause * 2, 5.0)


def declare_queue(bus: Bus, service: str, event_types: Iterable[str]) -> None:
    """Declare the service's queue; a broker that is down now is retried by the worker
    (which declares it again when its consumer connects), so one quick try is enough."""
    try:
        bus.declare(bus.queue(service, event_types), retries=1)
    except Exception as exc:
        log.warning("could not declare the %s queue now (%s); the worker will", service, exc)


def make_relay(rt: Runtime[Any], model: type[OutboxMixin]) -> Relay:
    """The outbox relay of a service, sized by its settings."""
    return Relay(rt.db, rt.bus, model, batch_size=rt.settings.relay_batch_size,
                 poll_seconds=rt.settings.relay_poll_seconds)


def make_consumer(rt: Runtime[Any], handlers: Mapping[str, Handler], inbox_model: type[InboxMixin],
                  dead_letter_model: type[DeadLetterMixin],
                  before_batch: BeforeBatch | None = None) -> InboxConsumer:
    """The inbox consumer of a service's queue, bound to the event types it handles."""
    return InboxConsumer(
        bus=rt.bus, db=rt.db, service=rt.settings.SERVICE, handlers=handlers,
        inbox_model=inbox_model, dead_letter_model=dead_letter_model,
        max_attempts=rt.settings.consumer_max_attempts, prefetch=rt.settings.consumer_prefetch,
        batch=rt.settings.consumer_batch, before_batch=before_batch,
    )
