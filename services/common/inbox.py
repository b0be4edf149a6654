"""The inbox consumer: each event handled once, in one transaction, acked after commit.

For every message the consumer opens a transaction, records the event id in the
``inbox`` table and runs the handler; it acks only after the commit. A
redelivered event hits the inbox's primary key and is acked without running the
handler again. A handler that raises is retried a bounded number of times
(the message is re-queued at the back with an attempt count, so it never blocks
the queue) and then parked in ``dead_letters``, from where it can be replayed.
An error of the database itself (a dropped connection, a restart) is not the
event's fault: it is retried without counting, so an outage parks nothing.

With ``batch`` above one, the events the broker has already sent (up to ``batch``)
are handled together in one transaction, each after the other in delivery order and
each with its inbox row, and acked after that one commit: a busy queue pays for one
commit and one inbox insert per batch instead of per event. If anything in the batch
fails, nothing of it is kept and its events are handled one by one as above, so a
redelivered or failing event is dealt with alone. A service may pass ``before_batch``
to look up, in one query for the whole batch, what each handler would otherwise ask
for itself (notify: its patients' opt-outs).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kombu import Message, Queue
from kombu.mixins import ConsumerMixin
from opentelemetry.trace import SpanKind
from sqlalchemy import BigInteger, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .bus import Bus
from .db import Conflict, Database, UTCDateTime, is_transient, utcnow
from .events import Event, InvalidEvent
from .metrics import CONSUMER_HEARTBEAT, EVENTS_HANDLED
from .tracing import TRACEPARENT, span

log = logging.getLogger(__name__)

Handler = Callable[[Session, Event], None]
#: Called once per batch, in its transaction, before its events' handlers: to ask in one
#: query what each handler would ask for itself (kept in ``session.info``).
BeforeBatch = Callable[[Session, list[Event]], None]
ATTEMPTS_HEADER = "x-clinic-attempts"


class InboxMixin:
    """Columns of the ``inbox`` table: ids of events this service has handled."""

    if TYPE_CHECKING:  # declarative models take their columns as keywords
        def __init__(self, **columns: Any) -> None: ...

    __tablename__ = "inbox"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(40))
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeadLetterMixin:
    """Columns of the ``dead_letters`` table: messages parked after failing."""

    if TYPE_CHECKING:  # declarative models take their columns as keywords
        def __init__(self, **columns: Any) -> None: ...

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    event_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    event_type: Mapped[str | None] = mapped_column(String(120), nullable=True)
    queue: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    replayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class InboxConsumer(ConsumerMixin):
    """Consumes one service's queue and hands each event to its handler exactly once."""

    def __init__(self, *, bus: Bus, db: Database, service: str, handlers: Mapping[str, Handler],
                 inbox_model: type[InboxMixin], dead_letter_model: type[DeadLetterMixin],
                 max_attempts: int = 5, prefetch: int = 20, batch: int = 1,
                 gather_seconds: float = 0.002,
                 retry_delay: Callable[[int], float] | None = None,
                 before_batch: BeforeBatch | None = None) -> None:
        self.bus = bus
        self.db = db
        self.handlers = dict(handlers)
        self.inbox_model = inbox_model
        self.dead_letter_model = dead_letter_model
        self.max_attempts = max_attempts
        self.prefetch = prefetch
        self.batch = max(1, min(batch, prefetch))  # more than prefetch never arrive at once
        self.gather_seconds = gather_seconds
        self.before_batch = before_batch
        self._pending: list[tuple[Event, Message]] = []
        self._traceparents: dict[str, str | None] = {}  # the batch's, by event id
        self._consuming: Any = None  # the connection the consumer drains
        self.service = service
        self.queue: Queue = bus.queue(service, self.handlers)
        self.retry_delay = retry_delay or (lambda attempt: min(0.1 * 2**attempt, 5.0))
        self.connection = bus.connection()
        self._stop = threading.Event()
        self._outage_retries = 0  # database errors in a row: the wait grows, up to 5 s

    # ConsumerMixin polls this flag between drains.
    @property
    def should_stop(self) -> bool:
        return self._stop.is_set()

    @should_stop.setter
    def should_stop(self, value: bool) -> None:
        if value:
            self._stop.set()
        else:
            self._stop.clear()

    def get_consumers(self, consumer_cls: Any, channel: Any) -> list[Any]:
        return [
            consumer_cls(
                queues=[self.queue], callbacks=[self.on_message], accept=["json"],
                prefetch_count=self.prefetch, on_decode_error=self.on_decode_error,
            )
        ]

    def run_until(self, stop: threading.Event) -> None:
        """Consume until ``stop`` is set; reconnects by itself after broker restarts."""
        self._stop = stop
        try:
            self.run()
        finally:
            self.connection.release()

    # --- gathering a batch ---------------------------------------------------------------------

    def on_consume_ready(self, connection: Any, channel: Any, consumers: Any,
                         **kwargs: Any) -> None:
        self._consuming = connection
        self._pending = []  # unacked on a lost connection: the broker sends them again

    def on_consume_end(self, connection: Any, channel: Any) -> None:
        self._handle_pending()  # a clean stop: what was gathered is still handled and acked

    def on_iteration(self) -> None:
        """Before waiting for the next message: gather what has already arrived, then
        handle the batch. Each round is a heartbeat (``ConsumerMixin`` goes round at least
        once a second while connected), which the consumer-down alert watches."""
        CONSUMER_HEARTBEAT.labels(service=self.service).set_to_current_time()
        while self._consuming is not None and 0 < len(self._pending) < self.batch:
            try:
                self._consuming.drain_events(timeout=self.gather_seconds)
            except TimeoutError:  # socket.timeout: nothing more has arrived
                break
        self._handle_pending()

    def on_message(self, body: Any, message: Message) -> None:
        try:
            event = Event.from_dict(body)
        except InvalidEvent as exc:
            self._park_and_ack(message, None, _raw_body(message), str(exc), 1)
            return
        self._pending.append((event, message))
        if len(self._pending) >= self.batch:
            self._handle_pending()

    def _handle_pending(self) -> None:
        batch, self._pending = self._pending, []
        self._traceparents = {event.id: _traceparent(message) for event, message in batch}
        if len(batch) > 1 and self.handle_together([event for event, _ in batch]):
            self._outage_retries = 0
            for _, message in batch:
                message.ack()
            return
        for event, message in batch:
            self._handle_one(event, message)

    def handle_together(self, events: list[Event]) -> bool:
        """Handle ``events`` in one transaction with their inbox rows; False (and nothing
        kept) if any of it failed, for the caller to handle them one by one. Each event's
        handler runs in a span continuing its producer's trace (from its message)."""
        try:
            with self.db.transaction() as session:
                session.add_all([self._inbox_row(event) for event in events])
                session.flush()
                if self.before_batch is not None:
                    self.before_batch(session, events)
                for event in events:
                    handler = self.handlers.get(event.type)
                    if handler is not None:
                        with self._span(event, self._traceparents.get(event.id)):
                            handler(session, event)
                        # As in a transaction of its own, the next event sees this one's
                        # writes (even from a plain connection, which does not autoflush)
                        # and reads from the database, not from this one's objects.
                        session.flush()
                        session.expunge_all()
        except Exception as exc:
            log.info("a batch of %d events failed together (%s); handling them one by one",
                     len(events), type(exc).__name__)
            return False
        for event in events:
            self._handled(event)
        return True

    def _handled(self, event: Event) -> None:
        EVENTS_HANDLED.labels(service=self.service, type=event.type).inc()

    # --- one message -------------------------------------------------------------------------

    def _handle_one(self, event: Event, message: Message) -> None:
        try:
            self.handle(event, _traceparent(message))
        except Exception as exc:
            self._retry_or_park(event, message, exc)
            return
        self._outage_retries = 0
        message.ack()

    def handle(self, event: Event, traceparent: str | None = None) -> bool:
        """Run the handler in one transaction with the inbox record; False if already done.
        The handler runs in a span continuing the producer's trace (``traceparent``)."""
        handler = self.handlers.get(event.type)
        try:
            with self.db.transaction() as session:
                session.add(self._inbox_row(event))
                session.flush()
                if handler is not None:
                    with self._span(event, traceparent):
                        handler(session, event)
        except Conflict:
            if self._already_handled(event.id):
                log.info("event %s (%s) already handled; acking", event.id, event.type)
                return False
            raise
        self._handled(event)
        return True

    def _span(self, event: Event, traceparent: str | None) -> Any:
        return span(f"consume {event.type}", parent=traceparent, kind=SpanKind.CONSUMER,
                    attributes={"messaging.destination.name": self.queue.name,
                                "messaging.message.id": event.id})

    def _inbox_row(self, event: Event) -> InboxMixin:
        return self.inbox_model(event_id=event.id, event_type=event.type, source=event.source,
                                processed_at=utcnow())

    def _already_handled(self, event_id: str) -> bool:
        with self.db.reading() as session:
            return session.get(self.inbox_model, event_id) is not None

    def on_decode_error(self, message: Message, exc: Exception) -> None:
        """A body that is not JSON can never succeed: park it instead of dropping it."""
        self._park_and_ack(message, None, _raw_body(message), f"cannot decode: {exc}", 1)

    def _retry_or_park(self, event: Event, message: Message, exc: Exception) -> None:
        attempts = int((message.headers or {}).get(ATTEMPTS_HEADER, 0))
        if isinstance(exc, InvalidEvent):  # its data breaks the contract: no retry can help
            log.error("event %s (%s) breaks its contract, parking it: %s", event.id, event.type,
                      exc)
            self._park_and_ack(message, event, event.to_json(), str(exc), attempts + 1)
            return
        if is_transient(exc):
            self._wait_for_database(f"event {event.id} ({event.type})", exc)
            self._requeue(event, message, attempts)
            return
        attempts += 1
        if attempts >= self.max_attempts:
            log.error("event %s (%s) failed %d times, parking it: %r",
                      event.id, event.type, attempts, exc)
            self._park_and_ack(message, event, event.to_json(), repr(exc), attempts)
            return
        log.warning("event %s (%s) failed (attempt %d of %d), retrying: %r",
                    event.id, event.type, attempts, self.max_attempts, exc)
        time.sleep(self.retry_delay(attempts))
        self._requeue(event, message, attempts)

    def _requeue(self, event: Event, message: Message, attempts: int) -> None:
        """Re-queue at the back with the attempt count, then ack the original: a crash
        in between only duplicates the message, which the inbox absorbs."""
        producer = self.connection.Producer()
        headers: dict[str, Any] = {ATTEMPTS_HEADER: attempts}
        if _traceparent(message):
            headers[TRACEPARENT] = _traceparent(message)
        self.bus.publish(producer, event, exchange="", routing_key=self.queue.name,
                         headers=headers)
        message.ack()

    def _park_and_ack(self, message: Message, event: Event | None, body: str, error: str,
                      attempts: int) -> None:
        """Park, then ack. With the database away the message goes back to the queue
        instead: acked unparked it would be lost, and the error would stop the consumer."""
        try:
            self._park(event, body, error, attempts)
        except Exception as exc:
            if not is_transient(exc):
                raise
            self._wait_for_database("a message to park", exc)
            message.requeue()
            return
        message.ack()

    def _wait_for_database(self, what: str, exc: Exception) -> None:
        """Pause before the message goes back to the queue, longer each time in a row."""
        self._outage_retries += 1
        log.warning("%s waits for the database: %s", what, type(exc).__name__)
        time.sleep(self.retry_delay(min(self._outage_retries, 6)))

    def _park(self, event: Event | None, body: str, error: str, attempts: int) -> None:
        with self.db.transaction() as session:
            session.add(self.dead_letter_model(
                event_id=event.id if event else None,
                event_type=event.type if event else None,
                queue=self.queue.name, body=body, error=error[:4000], attempts=attempts,
                created_at=utcnow(),
            ))


def _traceparent(message: Message) -> str | None:
    """The producer's W3C ``traceparent``, if the message carries one."""
    value = (message.headers or {}).get(TRACEPARENT)
    return value if isinstance(value, str) else None


def _raw_body(message: Message) -> str:
    body = message.body
    if isinstance(body, bytes):
        return body.decode("utf-8", errors="replace")
    return body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)


def list_dead_letters(db: Database, model: type[DeadLetterMixin], *,
                      include_replayed: bool = False) -> list[DeadLetterMixin]:
    with db.reading() as session:
        query = select(model).order_by(model.id)
        if not include_replayed:
            query = query.where(model.replayed_at.is_(None))
        return list(session.scalars(query))


def replay_dead_letter(db: Database, bus: Bus, model: type[DeadLetterMixin],
                       dead_letter_id: int) -> bool:
    """Put a parked event back on its queue with a fresh attempt count.

    Returns False when there is no such unreplayed letter or its body is not an
    envelope (such a body can never be handled; fix the producer instead).
    """
    with db.transaction() as session:
        letter = session.get(model, dead_letter_id, with_for_update=True)
        if letter is None or letter.replayed_at is not None:
            return False
        try:
            event = Event.from_json(letter.body)
        except InvalidEvent:
            return False
        with bus.connection() as conn:
            bus.publish(conn.Producer(), event, exchange="", routing_key=letter.queue,
                        headers={ATTEMPTS_HEADER: 0})
        letter.replayed_at = utcnow()
    return True
