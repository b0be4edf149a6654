"""The outbox → bus → inbox path delivers every event exactly once, on both transports."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from services.common.bus import EXCHANGE
from services.common.contracts import Contract
from services.common.events import Event
from services.common.inbox import list_dead_letters, replay_dead_letter
from tests.support.bus import (
    EVENT_TYPE,
    BusApp,
    DeadLetter,
    Running,
    ThingHappened,
    record,
    settle,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[2]


@dataclasses.dataclass(frozen=True)
class Wanting(Contract):
    """The test event as a consumer that needs a field it never carries would read it."""

    TYPE = ThingHappened.TYPE

    n: int
    m: int


def test_outbox_events_are_handled_exactly_once_even_when_published_twice(app: BusApp) -> None:
    consumer = app.consumer()
    app.bus.declare(consumer.queue)
    ids = app.published_twice(25)

    with Running(consumer.run_until):
        counts = settle(app.counts, quiet=1.5)

    assert counts == {"handled": 25, "distinct": 25, "inbox": 25, "dead": 0, "pending": 0}
    assert app.handled_ids() == set(ids)


def test_relay_running_as_a_loop_publishes_what_is_added_later(app: BusApp) -> None:
    consumer = app.consumer()
    app.bus.declare(consumer.queue)
    with Running(app.relay.run, consumer.run_until):
        first = app.emit(5)
        assert wait_until(lambda: app.counts()["handled"] == 5)
        second = app.emit(5, start=5)
        assert wait_until(lambda: app.counts()["handled"] == 10)
    assert app.handled_ids() == set(first + second)
    assert app.counts()["pending"] == 0


FLAKY_FAILS = {"on": True}


def flaky(session: Session, event: Event) -> None:
    if event.data["n"] == 3 and FLAKY_FAILS["on"]:
        raise RuntimeError("the handler cannot do n=3 yet")
    record(session, event)


def test_failing_event_is_retried_then_parked_without_blocking_and_can_be_replayed(
        app: BusApp) -> None:
    FLAKY_FAILS["on"] = True
    consumer = app.consumer(flaky, max_attempts=3)
    app.bus.declare(consumer.queue)
    app.emit(6)
    app.relay.drain()
    with Running(consumer.run_until):
        assert wait_until(lambda: app.counts()["dead"] == 1)
        counts = settle(app.counts)
        assert counts["handled"] == 5, "the other events went through despite the failing one"
        [letter] = list_dead_letters(app.db, DeadLetter)
        assert letter.attempts == 3
        assert "cannot do n=3" in letter.error
        assert json.loads(letter.body)["data"] == {"n": 3}

        FLAKY_FAILS["on"] = False
        assert replay_dead_letter(app.db, app.bus, DeadLetter, letter.id)
        assert not replay_dead_letter(app.db, app.bus, DeadLetter, letter.id), "replayed once"
        assert wait_until(lambda: app.counts()["handled"] == 6)
        counts = settle(app.counts)
    assert counts["distinct"] == 6 and counts["handled"] == 6
    assert list_dead_letters(app.db, DeadLetter) == []


def test_an_event_breaking_its_contract_is_parked_at_once(app: BusApp) -> None:
    """No retry can mend a payload that lacks a field: it goes to the dead letters on its
    first failure, and the events behind it go through."""
    def reader(session: Session, event: Event) -> None:
        Wanting.from_event(event)  # as EventHandlers reads each event before its handler
        record(session, event)

    consumer = app.consumer(reader, max_attempts=5)
    app.bus.declare(consumer.queue)
    app.emit(3)
    app.relay.drain()
    with Running(consumer.run_until):
        assert wait_until(lambda: app.counts()["dead"] == 3)
    [letter, *_] = list_dead_letters(app.db, DeadLetter)
    assert letter.attempts == 1 and 'missing field "m"' in letter.error


class DatabaseAway:
    """``action``, except that its first ``times`` calls fail as a dropped connection does."""

    def __init__(self, action: Callable[..., Any], times: int) -> None:
        self.action, self.left = action, times

    def __call__(self, *args: Any) -> Any:
        if self.left > 0:
            self.left -= 1
            raise OperationalError("INSERT", {}, Exception("server closed the connection"))
        return self.action(*args)


def test_a_database_outage_is_waited_out_and_parks_nothing(app: BusApp) -> None:
    outage = DatabaseAway(record, 8)  # more failures than max_attempts allows for a faulty event
    consumer = app.consumer(outage, max_attempts=3)
    consumer.retry_delay = lambda attempt: 0.01
    app.bus.declare(consumer.queue)
    ids = app.emit(2)
    app.relay.drain()
    with Running(consumer.run_until):
        assert wait_until(lambda: app.counts()["handled"] == 2)
        counts = settle(app.counts)
    assert outage.left == 0
    assert counts["dead"] == 0 and counts["distinct"] == 2 and counts["handled"] == 2
    assert app.handled_ids() == set(ids)


def test_a_message_that_is_not_an_envelope_is_parked_not_dropped(app: BusApp) -> None:
    consumer = app.consumer()
    app.bus.declare(consumer.queue)
    with app.bus.connection() as conn:
        producer = conn.Producer()
        producer.publish({"hello": "world"}, exchange=EXCHANGE, routing_key=EVENT_TYPE,
                         serializer="json", declare=[EXCHANGE])
        producer.publish(b"\xff not json", exchange=EXCHANGE, routing_key=EVENT_TYPE,
                         content_type="application/json", content_encoding="binary",
                         declare=[EXCHANGE])
    app.emit(1)
    app.relay.drain()
    with Running(consumer.run_until):
        assert wait_until(lambda: app.counts()["dead"] == 2 and app.counts()["handled"] == 1)
    letters = list_dead_letters(app.db, DeadLetter)
    assert {letter.event_id for letter in letters} == {None}
    assert not replay_dead_letter(app.db, app.bus, DeadLetter, letters[0].id)


def test_a_message_to_park_waits_while_the_database_is_away(app: BusApp) -> None:
    consumer = app.consumer()
    consumer.retry_delay = lambda attempt: 0.01
    consumer._park = outage = DatabaseAway(consumer._park, 3)
    app.bus.declare(consumer.queue)
    with app.bus.connection() as conn:
        conn.Producer().publish({"hello": "world"}, exchange=EXCHANGE, routing_key=EVENT_TYPE,
                                serializer="json", declare=[EXCHANGE])
    app.emit(1)
    app.relay.drain()
    with Running(consumer.run_until):
        assert wait_until(lambda: app.counts()["dead"] == 1 and app.counts()["handled"] == 1)
    assert outage.left == 0, "parking really failed, and the message was not lost"
    assert [letter.body for letter in list_dead_letters(app.db, DeadLetter)] == [
        json.dumps({"hello": "world"})]


@pytest.mark.postgres
def test_competing_relays_never_publish_a_row_twice(pg_url: str, amqp_url: str,
                                                    tmp_path: Path) -> None:
    app = BusApp(pg_url, amqp_url, tmp_path / "bus")
    consumer = app.consumer()
    app.bus.declare(consumer.queue)
    app.emit(600)
    relays = [BusApp(pg_url, amqp_url, tmp_path / "bus", create=False).relay for _ in range(4)]
    published = [0] * len(relays)

    def counting(index):
        def loop(stop):
            while not stop.is_set():
                published[index] += relays[index].publish_pending()
        return loop

    for relay in relays:
        relay.batch_size = 25
    with Running(*(counting(i) for i in range(len(relays)))):
        assert wait_until(lambda: app.counts()["pending"] == 0)
    assert sum(published) == 600, "each row was published by exactly one relay"
    assert sum(1 for n in published if n) > 1, "the relays really competed"
    with Connection(amqp_url) as conn:
        _, messages, _ = conn.default_channel.queue_declare(consumer.queue.name, passive=True)
    assert messages == 600


def _start_consumer(app_url: str, broker, marker: Path | None = None,
                    *options: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "tests.support.consumer_proc", "--database-url", app_url,
           "--broker-url", broker.url, "--bus-dir", str(broker.bus_dir), *options]
    if marker is not None:
        cmd += ["--slow-marker", str(marker)]
    return subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.slow
def test_consumer_killed_mid_message_loses_nothing_and_handles_it_once(
        broker, database_url, tmp_path: Path) -> None:
    app = BusApp(database_url, broker.url, broker.bus_dir)
    app.bus.declare(app.consumer().queue)
    ids = app.emit(10)
    app.relay.drain()
    marker = tmp_path / "in-handler"

    slow = _start_consumer(database_url, broker, marker)
    try:
        assert wait_until(marker.exists, timeout=30), "the consumer took a message"
    finally:
        slow.send_signal(signal.SIGKILL)
        slow.wait(timeout=10)
    assert app.counts()["handled"] == 0, "the killed handler's transaction was rolled back"

    healthy = _start_consumer(database_url, broker)
    try:
        assert wait_until(lambda: app.counts()["handled"] >= 10, timeout=60)
        counts = settle(app.counts, quiet=1.5)
    finally:
        healthy.terminate()
        healthy.wait(timeout=20)
    assert counts["handled"] == 10 and counts["distinct"] == 10 and counts["inbox"] == 10
    assert app.handled_ids() == set(ids)


def test_one_relay_and_one_consumer_keep_the_publishing_order(app: BusApp) -> None:
    from sqlalchemy import select

    from tests.support.bus import Handled

    consumer = app.consumer()
    app.bus.declare(consumer.queue)
    app.emit(300)
    assert app.relay.drain() == 300
    with Running(consumer.run_until):
        assert wait_until(lambda: app.counts()["handled"] == 300)
    with app.db.reading() as session:
        order = list(session.scalars(select(Handled.n).order_by(Handled.id)))
    assert order == list(range(300))
