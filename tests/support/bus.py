"""A tiny service used to test the shared bus machinery over real brokers and databases.

It has the same outbox, inbox and dead-letter tables a real service has, plus a
``handled`` table its handler writes to. ``handled`` has no unique key on
purpose: a test counts its rows to see whether an event was handled twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, String, bindparam, func, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from services.common.bus import Bus
from services.common.contracts import Contract
from services.common.db import Database
from services.common.events import Event
from services.common.inbox import DeadLetterMixin, InboxConsumer, InboxMixin
from services.common.outbox import Outbox, OutboxMixin, Relay

SERVICE = "test"


@dataclass(frozen=True)
class ThingHappened(Contract):
    TYPE = "test.thing.happened"

    n: int


EVENT_TYPE = ThingHappened.TYPE


class Base(DeclarativeBase):
    pass


class OutboxMessage(OutboxMixin, Base):
    pass


class InboxRecord(InboxMixin, Base):
    pass


class DeadLetter(DeadLetterMixin, Base):
    pass


class Handled(Base):
    __tablename__ = "handled"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    n: Mapped[int] = mapped_column(Integer)


def record(session: Session, event: Event) -> None:
    session.add(Handled(event_id=event.id, n=event.data["n"]))


class BusApp:
    """A database, a bus, an outbox with its relay, and a consumer factory."""

    def __init__(self, database_url: str, broker_url: str, bus_dir: Path,
                 create: bool = True) -> None:
        self.db = Database(database_url)
        if create:
            Base.metadata.create_all(self.db.engine)
        self.bus = Bus(broker_url, bus_dir=bus_dir)
        self.outbox = Outbox(OutboxMessage, source=SERVICE)
        self.relay = Relay(self.db, self.bus, OutboxMessage, poll_seconds=0.05)

    def emit(self, count: int, start: int = 0) -> list[str]:
        with self.db.transaction() as session:
            return [self.outbox.add(session, ThingHappened(n=start + i)).id
                    for i in range(count)]

    def consumer(self, handler: Callable[[Session, Event], None] = record,
                 max_attempts: int = 5, batch: int = 1) -> InboxConsumer:
        return InboxConsumer(
            bus=self.bus, db=self.db, service=SERVICE, handlers={EVENT_TYPE: handler},
            inbox_model=InboxRecord, dead_letter_model=DeadLetter, max_attempts=max_attempts,
            batch=batch, retry_delay=lambda attempt: 0.01,
        )

    def published_twice(self, count: int) -> list[str]:
        """``count`` new events, each published twice, as after a relay crashed between
        publishing and marking its rows."""
        ids = self.emit(count)
        assert self.relay.drain() == count
        with self.db.transaction() as session:
            session.execute(update(OutboxMessage).values(published_at=None))
        assert self.relay.drain() == count
        return ids

    def counts(self) -> dict[str, int]:
        with self.db.reading() as session:
            return {
                "handled": session.scalar(select(func.count()).select_from(Handled)) or 0,
                "distinct": session.scalar(select(func.count(func.distinct(Handled.event_id))))
                or 0,
                "inbox": session.scalar(select(func.count()).select_from(InboxRecord)) or 0,
                "dead": session.scalar(select(func.count()).select_from(DeadLetter)) or 0,
                "pending": self.outbox.pending_count(session),
            }

    def handled_ids(self) -> set[str]:
        with self.db.reading() as session:
            return set(session.scalars(select(Handled.event_id)))


class Running:
    """Runs loops in threads for the length of a ``with`` block."""

    def __init__(self, *loops: Callable[[threading.Event], Any],
                 join_timeout: float = 15) -> None:
        self.stop = threading.Event()
        self.join_timeout = join_timeout
        self.threads = [threading.Thread(target=loop, args=(self.stop,), daemon=True)
                        for loop in loops]

    def __enter__(self) -> Running:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=self.join_timeout)


def wait_until(condition: Callable[[], bool], timeout: float = 30.0,
               interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def settle(read: Callable[[], Any], quiet: float = 1.0, timeout: float = 30.0) -> Any:
    """Wait until ``read()`` stops changing for ``quiet`` seconds; return its last value."""
    deadline = time.monotonic() + timeout
    last = read()
    stable_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = read()
        if now != last:
            last, stable_since = now, time.monotonic()
        elif time.monotonic() - stable_since >= quiet:
            break
    return last


def handled_by(producer_db: str, consumer_db: str, event_type: str,
               data: dict[str, Any], timeout: float = 30.0) -> bool:
    """Wait until the consumer's inbox records the producer's event of ``event_type`` whose
    data holds ``data`` (the outbox row it was published from names it): the consumer has
    done all it will do for that event. Both are a service's own database URLs."""
    import json

    from sqlalchemy import text

    producer, consumer = Database(producer_db), Database(consumer_db)

    def event_ids() -> list[str]:
        with producer.reading() as session:
            rows = session.execute(text("SELECT event_id, body FROM outbox WHERE event_type = :t"),
                                   {"t": event_type}).all()
        return [event_id for event_id, body in rows
                if data.items() <= json.loads(body).get("data", {}).items()]

    def in_inbox() -> bool:
        ids = event_ids()
        if not ids:
            return False
        with consumer.reading() as session:
            found = session.execute(text("SELECT count(*) FROM inbox WHERE event_id IN :ids")
                                    .bindparams(bindparam("ids", expanding=True)),
                                    {"ids": ids}).scalar()
        return bool(found)

    try:
        return wait_until(in_inbox, timeout)
    finally:
        producer.dispose()
        consumer.dispose()
