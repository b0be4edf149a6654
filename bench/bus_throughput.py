"""Events per second through outbox → relay → bus → inbox, on each stack, in one run.

    .venv/bin/python -m bench.bus_throughput [--events 2000]

Measures the platform's event path end to end: N events written to an outbox in
batches of 50, one relay publishing, one consumer handling each in its own
transaction with the inbox record. Prints one row per stack and a ratio line, so
figures taken on this shared machine are compared within one run.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import DeclarativeBase

from services.common.bus import Bus
from services.common.contracts import Contract
from services.common.db import Database
from services.common.inbox import DeadLetterMixin, InboxConsumer, InboxMixin
from services.common.outbox import Outbox, OutboxMixin, Relay

EVENT = "bench.thing.happened"


@dataclass(frozen=True)
class ThingHappened(Contract):
    """The benchmark's event: a number, nothing else."""

    TYPE = EVENT
    n: int


class Base(DeclarativeBase):
    pass


class OutboxMessage(OutboxMixin, Base):
    pass


class InboxRecord(InboxMixin, Base):
    pass


class DeadLetter(DeadLetterMixin, Base):
    pass


@contextlib.contextmanager
def postgres_and_rabbitmq() -> Iterator[tuple[str, str]]:
    import uuid

    import psycopg

    name = f"clinic_bench_{uuid.uuid4().hex[:8]}"
    admin = "host=127.0.0.1 user=postgres dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1/{name}", "amqp://guest:guest@127.0.0.1:5672//"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def run(database_url: str, broker_url: str, bus_dir: Path, events: int) -> tuple[float, float]:
    """Return (seconds until all were handled, events per second)."""
    db = Database(database_url)
    Base.metadata.create_all(db.engine)
    bus = Bus(broker_url, bus_dir=bus_dir)
    outbox = Outbox(OutboxMessage, source="bench")
    consumer = InboxConsumer(bus=bus, db=db, service="bench", handlers={EVENT: lambda s, e: None},
                             inbox_model=InboxRecord, dead_letter_model=DeadLetter)
    bus.declare(consumer.queue)
    relay = Relay(db, bus, OutboxMessage, poll_seconds=0.01)
    stop = threading.Event()
    threads = [threading.Thread(target=relay.run, args=(stop,), daemon=True),
               threading.Thread(target=consumer.run_until, args=(stop,), daemon=True)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    for batch in range(0, events, 50):
        with db.transaction() as session:
            for n in range(batch, min(batch + 50, events)):
                outbox.add(session, ThingHappened(n=n))
    while True:
        with db.reading() as session:
            done = session.scalar(select(func.count()).select_from(InboxRecord)) or 0
        if done >= events:
            break
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    with contextlib.suppress(Exception), bus.connection() as conn:
        consumer.queue(conn.default_channel).delete()
    db.dispose()
    return elapsed, events / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    import logging

    logging.basicConfig(level="WARNING")
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        results["sqlite + filesystem"] = run(f"sqlite:///{scratch}/bench.db", "filesystem://",
                                             Path(scratch) / "bus", args.events)
        with postgres_and_rabbitmq() as (pg_url, amqp_url):
            results["postgresql + rabbitmq"] = run(pg_url, amqp_url, Path(scratch) / "bus2",
                                                   args.events)
    print(f"{'stack':<24}{'events':>8}{'seconds':>10}{'events/s':>10}")
    for stack, (seconds, rate) in results.items():
        print(f"{stack:<24}{args.events:>8}{seconds:>10.2f}{rate:>10.0f}")
    embedded, production = (results[k][1] for k in results)
    print(f"bench: bus_events_per_s_embedded={embedded:.0f} "
          f"bus_events_per_s_production={production:.0f} ratio={production / embedded:.2f}")


if __name__ == "__main__":
    main()
