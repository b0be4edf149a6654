"""Prometheus metrics (SPEC §14): the names every dashboard and alert relies on, defined once.

Counters are counted where the thing happens (a request answered, an event handled, a
message handed over, a booking committed); gauges that need the database are read at
scrape time, one cheap query each, by :class:`DatabaseGauges` — never per request.

Web processes run under gunicorn with several workers: prometheus-client's multi-process
mode keeps each process's counters in files under ``PROMETHEUS_MULTIPROC_DIR``, which our
gunicorn settings make (one folder per service, emptied at start) before this module is
first imported. A worker process is one process and keeps its counters in memory.

No label carries personal data or an id: routes are URL rules (``/api/v1/appointments/
<int:appointment_id>``), never paths; the other labels come from small closed sets.
This module imports no web framework: the workers use it too.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import make_server

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import ThreadingWSGIServer, _SilentHandler
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .refusals import Kind, Refusal

if TYPE_CHECKING:
    from .config import Settings
    from .db import Database
    from .inbox import DeadLetterMixin
    from .outbox import OutboxMixin

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

HTTP_REQUESTS = Counter("http_requests", "HTTP requests answered, by URL rule and status.",
                        ["service", "route", "method", "status"])
HTTP_DURATION = Histogram("http_request_duration_seconds",
                          "Time from a request's arrival to its answer, by URL rule.",
                          ["service", "route"],
                          buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
BOOKINGS = Counter("clinic_bookings", "Appointments booked (committed), by channel.",
                   ["channel"])
BOOKING_REFUSALS = Counter("clinic_booking_refusals",
                           "Booking's refusals answered (a rule said no), by code.", ["code"])
EVENTS_HANDLED = Counter("clinic_events_handled",
                         "Events a consumer handled and committed, by event type.",
                         ["service", "type"])
MESSAGES = Counter("clinic_messages",
                   "Messages handed to a provider, by outcome (sent, retry, failed, "
                   "suppressed).", ["channel", "kind", "status"])
FOLLOWUP_CALLS = Counter("clinic_followup_calls", "Follow-up calls logged, by outcome.",
                         ["outcome"])
SIGN_INS_THROTTLED = Counter("clinic_sign_ins_throttled",
                             "Sign-ins refused before the password was checked (too many "
                             "failures for the account or the address).")
CONSUMER_HEARTBEAT = Gauge("clinic_consumer_heartbeat_timestamp_seconds",
                           "When a consumer last went round its loop (Unix time).",
                           ["service"], multiprocess_mode="max")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(allow_from: str) -> tuple[Network, ...]:
    """``METRICS_ALLOW_FROM`` (comma-separated addresses or CIDR ranges) as networks."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False)
                 for part in allow_from.split(",") if part.strip())


def allowed(address: str | None, allow: Iterable[Network]) -> bool:
    """Whether a scrape from ``address`` is answered (anything unparsable is not)."""
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in allow)


# --- counting -------------------------------------------------------------------------------


def after_commit(session: Session, count: Callable[[], None]) -> None:
    """Count once ``session``'s transaction commits: a rolled-back change counts nothing."""
    from sqlalchemy import event

    event.listen(session, "after_commit", lambda _session: count(), once=True)


def note_refusal(settings: Settings, refusal: Refusal) -> None:
    """A refusal on its way out as a problem: booking's rules by code. (Throttled sign-ins
    are counted where the sign-in is refused, so another kind of throttle is not one.)"""
    if (settings.COUNTS_BOOKING_REFUSALS and refusal.named
            and refusal.kind in (Kind.CONFLICT, Kind.INVALID)):
        BOOKING_REFUSALS.labels(code=refusal.code).inc()


def request_done(service: str, route: str, method: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(service=service, route=route, method=method, status=str(status)).inc()
    HTTP_DURATION.labels(service=service, route=route).observe(seconds)


# --- gauges read at scrape time ------------------------------------------------------------

#: One cheap query, in the scrape's read-only transaction, giving one or more gauges.
Measure = Callable[[Session, datetime], Iterable[Metric]]


class DatabaseGauges(Collector):
    """Reads a service's gauges at scrape time, in one short read-only transaction.

    A database that does not answer yields no gauges (Prometheus then sees them absent,
    which the alerts treat as such) instead of failing the whole scrape.
    """

    def __init__(self, db: Database, now: Callable[[], datetime], measures: list[Measure]):
        self.db, self.now, self.measures = db, now, measures

    def describe(self) -> list[Metric]:
        return []  # no query at registration; names are not checked for duplicates

    def collect(self) -> Iterator[Metric]:
        try:
            with self.db.reading() as session:
                now = self.now()
                found = [metric for measure in self.measures for metric in measure(session, now)]
        except Exception as exc:
            log.warning("metrics: the database gauges could not be read: %s",
                        type(exc).__name__)
            return
        yield from found


def outbox_gauges(service: str, model: type[OutboxMixin]) -> Measure:
    """Pending outbox rows and the age of the oldest, in one query on the pending index."""

    def measure(session: Session, now: datetime) -> Iterable[Metric]:
        pending = model.published_at.is_(None)
        count, oldest = session.execute(
            select(func.count(), func.min(model.created_at)).where(pending)).one()
        age = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
        yield _gauge("clinic_outbox_pending", "Events written but not yet published.",
                     {"service": service}, count or 0)
        yield _gauge("clinic_outbox_oldest_pending_seconds",
                     "Age of the oldest unpublished event (0 when none is pending).",
                     {"service": service}, age)

    return measure


def dead_letter_gauge(service: str, model: type[DeadLetterMixin]) -> Measure:
    def measure(session: Session, now: datetime) -> Iterable[Metric]:
        count = session.scalar(select(func.count()).select_from(model)
                               .where(model.replayed_at.is_(None)))
        yield _gauge("clinic_dead_letters", "Parked events not replayed.",
                     {"service": service}, count or 0)

    return measure


def count_gauge(name: str, documentation: str, model: type[Any], *where: Any) -> Measure:
    """A gauge of how many rows of ``model`` match ``where`` (e.g. the active holds)."""

    def measure(session: Session, now: datetime) -> Iterable[Metric]:
        count = session.scalar(select(func.count()).select_from(model).where(*where))
        yield _gauge(name, documentation, {}, count or 0)

    return measure


def count_by_gauge(name: str, documentation: str, column: Any, label: str,
                   known: Iterable[str], *where: Any) -> Measure:
    """A gauge per value of ``column`` (``known`` values shown at 0 when none match), in
    one grouped query: e.g. the open follow-up tasks by kind."""

    def measure(session: Session, now: datetime) -> Iterable[Metric]:
        counts = dict.fromkeys(known, 0)
        counts.update(session.execute(select(column, func.count()).where(*where)
                                      .group_by(column)).tuples().all())
        family = GaugeMetricFamily(name, documentation, labels=[label])
        for value, count in sorted(counts.items()):
            family.add_metric([str(value)], count)
        yield family

    return measure


def _gauge(name: str, documentation: str, labels: dict[str, str], value: float) -> Metric:
    family = GaugeMetricFamily(name, documentation, labels=list(labels))
    family.add_metric(list(labels.values()), value)
    return family


# --- exposition -----------------------------------------------------------------------------


class _ThisProcess(Collector):
    """The default registry, seen through a scrape's own registry."""

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def exposition(extra: Iterable[Collector] = ()) -> tuple[bytes, str]:
    """The scrape's text: every process of a gunicorn service (multi-process mode) or this
    one, plus ``extra`` collectors (read now)."""
    registry = CollectorRegistry(auto_describe=False)
    folder = os.environ.get(MULTIPROC_ENV)
    if folder:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry, path=folder)
    else:
        registry.register(_ThisProcess())
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


@dataclass
class WorkerMetrics:
    """The worker's ``/metrics`` server, on its own thread."""

    server: ThreadingWSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def metrics_app(allow: tuple[Network, ...], extra: list[Collector]) -> Callable[..., Any]:
    """A WSGI app answering ``GET /metrics`` to allowed addresses, 404 to anything else."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("PATH_INFO") != "/metrics" or not allowed(environ.get("REMOTE_ADDR"),
                                                                 allow):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not Found\n"]
        body, content_type = exposition(extra)
        start_response("200 OK", [("Content-Type", content_type)])
        return [body]

    return app


def serve_worker_metrics(settings: Settings, extra: list[Collector]) -> WorkerMetrics | None:
    """Serve the worker's metrics on ``WORKER_METRICS_PORT``; a port already taken (another
    copy of the worker on this machine) is logged, not fatal: the worker's job comes first."""
    port = settings.worker_metrics_port
    if port is None or port < 0:
        return None
    app = metrics_app(networks(settings.metrics_allow_from), extra)
    try:
        server = make_server(settings.host, port, app, ThreadingWSGIServer,
                             handler_class=_SilentHandler)
    except OSError as exc:
        log.warning("worker metrics: cannot listen on %s:%s (%s); serving none",
                    settings.host, port, exc.strerror)
        return None
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              name=f"{settings.SERVICE}-metrics", daemon=True)
    thread.start()
    served = WorkerMetrics(server, thread)
    log.info("worker metrics at http://%s:%d/metrics", settings.host, served.port)
    return served


@contextmanager
def worker_metrics(settings: Settings, db: Database, now: Callable[[], datetime],
                   measures: list[Measure]) -> Iterator[WorkerMetrics | None]:
    """The worker's metrics server for as long as the worker runs, with its gauges."""
    served = serve_worker_metrics(settings, [DatabaseGauges(db, now, measures)])
    try:
        yield served
    finally:
        if served is not None:
            served.stop()
