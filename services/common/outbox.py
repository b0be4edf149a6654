"""The transactional outbox: events saved with the state change, published after.

A service never publishes in its request path. It adds the event to its
``outbox`` table in the same transaction as the change it describes; the relay
in the service's worker publishes pending rows with publisher confirms and marks
them published. A crash at any point either loses both the change and the event
or keeps both; at worst an event is published twice, which the consumers'
inbox absorbs.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from opentelemetry.trace import SpanKind
from sqlalchemy import (
    BigInteger,
    Index,
    Integer,
    Select,
    String,
    Text,
    func,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from .bus import Bus
from .contracts import Contract
from .db import Database, UTCDateTime, append_row, table_of, utcnow
from .events import Event
from .tracing import current_traceparent, headers_with_trace, span

log = logging.getLogger(__name__)

_PENDING = text("published_at IS NULL")


class OutboxMixin:
    """Columns of the ``outbox`` table; each service maps it on its own ``Base``."""

    if TYPE_CHECKING:  # declarative models take their columns as keywords
        def __init__(self, **columns: Any) -> None: ...

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: The W3C ``traceparent`` of the span that wrote the event (NULL with tracing off): the
    #: relay's publish continues that trace.
    trace_context: Mapped[str | None] = mapped_column(String(100), nullable=True)

    @declared_attr.directive
    @classmethod
    def __table_args__(cls) -> tuple[Any, ...]:
        return (Index("ix_outbox_pending", "id", postgresql_where=_PENDING, sqlite_where=_PENDING),)


class Outbox:
    """Adds events to one service's outbox table inside the caller's transaction."""

    def __init__(self, model: type[OutboxMixin], source: str) -> None:
        self.model = model
        self.source = source

    def add(self, session: Session, message: Contract, **columns: Any) -> Event:
        """Record an event as part of ``session``'s transaction and return it; ``columns``
        fill a service's own columns of its outbox (booking's ``patient_id``). A plain
        INSERT, with the request's other rows where it gathers them (``rows_together``);
        events keep the order they were told in."""
        event = Event(type=message.TYPE, data=message.to_data(), source=self.source,
                      version=message.VERSION)
        with span(f"outbox {event.type}"):
            append_row(session, table_of(self.model), dict(
                event_id=event.id, event_type=event.type, body=event.to_json(),
                created_at=event.occurred_at, trace_context=current_traceparent(), **columns))
        return event

    def pending_count(self, session: Session) -> int:
        pending = self.model.published_at.is_(None)
        return session.scalar(select(func.count()).select_from(self.model).where(pending)) or 0


class Relay:
    """Publishes pending outbox rows; several relays may run at once.

    Rows are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two
    relays never publish the same row; SQLite has one writer at a time, which
    gives the same guarantee. Rows are marked published only after the broker
    confirmed them.
    """

    def __init__(self, db: Database, bus: Bus, model: type[OutboxMixin], *,
                 batch_size: int = 200, poll_seconds: float = 0.1) -> None:
        self.db = db
        self.bus = bus
        self.model = model
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._connection: Any = None
        self._watch = db.commit_watch()
        self._found_nothing = False

    def _nothing_new(self) -> bool:
        """SQLite: the last poll found nothing and nothing was committed since it began,
        so the outbox cannot have a new row. Looked at before each poll, so a row
        committed while a poll runs is found by the next."""
        if self._watch is None:
            return False
        return not self._watch.changed() and self._found_nothing

    def publish_pending(self) -> int:
        """Publish one batch; return how many rows were published."""
        if self.db.dialect == "sqlite":
            return self._publish_pending_unlocked()
        with self.db.transaction() as session:
            rows = session.scalars(self._pending().with_for_update(skip_locked=True)).all()
            self._publish(rows)
            published_at = utcnow()
            for row in rows:
                row.published_at = published_at
        return len(rows)

    def _publish_pending_unlocked(self) -> int:
        """SQLite's variant: never hold its single write lock while the broker is slow.

        Two relays on one SQLite file could publish a row twice here; the
        consumers' inbox absorbs that, and the embedded default runs one relay.
        """
        with self.db.reading() as session:
            rows = session.scalars(self._pending()).all()
        self._publish(rows)
        if rows:
            with self.db.transaction() as session:
                session.execute(
                    update(self.model)
                    .where(self.model.id.in_([row.id for row in rows]))
                    .values(published_at=utcnow())
                )
        return len(rows)

    def _pending(self) -> Select[Any]:
        model = self.model
        return (select(model).where(model.published_at.is_(None)).order_by(model.id)
                .limit(self.batch_size))

    def _publish(self, rows: Sequence[OutboxMixin]) -> None:
        if not rows:
            return
        producer = self._producer()
        for row in rows:
            with span(f"publish {row.event_type}", parent=row.trace_context,
                      kind=SpanKind.PRODUCER):
                self.bus.publish(producer, Event.from_json(row.body), headers=headers_with_trace())

    def _producer(self) -> Any:
        if self._connection is None:
            self._connection = self.bus.connection()
        return self._connection.Producer()

    def _drop_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.release()
        self._connection = None

    def run(self, stop: threading.Event) -> None:
        """Publish until ``stop`` is set, backing off while the broker or database is away."""
        backoff = self.poll_seconds
        while not stop.is_set():
            try:
                if self._nothing_new():
                    stop.wait(self.poll_seconds)
                    continue
                published = self.publish_pending()
                self._found_nothing = published == 0
                backoff = self.poll_seconds
            except Exception as exc:
                log.warning("outbox relay could not publish, retrying in %.1fs: %s", backoff, exc)
                self._found_nothing = False
                self._drop_connection()
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if published < self.batch_size:
                stop.wait(self.poll_seconds)
        self._drop_connection()
        if self._watch is not None:
            self._watch.close()

    def drain(self, timeout: float = 10.0) -> int:
        """Publish everything pending now (used by tests and the CLI)."""
        deadline = time.monotonic() + timeout
        total = 0
        while time.monotonic() < deadline:
            count = self.publish_pending()
            total += count
            if count == 0:
                break
        self._drop_connection()
        return total
