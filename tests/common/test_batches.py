"""The inbox consumer's batches (``CONSUMER_BATCH``): the events the broker has already
sent are handled in one transaction, and each is still handled exactly once."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.common.events import Event
from services.common.inbox import InboxConsumer, list_dead_letters
from tests.support.bus import (
    BusApp,
    DeadLetter,
    Handled,
    Running,
    record,
    settle,
    wait_until,
)

from .test_bus import _start_consumer


def watched(consumer: InboxConsumer) -> dict[str, list[int]]:
    """The sizes of the batches the consumer kept together, and of those it gave up on.

    The consumer gathers for half a second, not 2 ms: on a loaded machine the broker sent
    the queued events further apart than that, every batch held one, and the tests (about
    what a batch does) proved nothing and failed (seen once under load, 2026-12-07)."""
    consumer.gather_seconds = 0.5
    sizes: dict[str, list[int]] = {"kept": [], "given up": []}
    together = consumer.handle_together

    def counted(events: list[Event]) -> bool:
        done = together(events)
        sizes["kept" if done else "given up"].append(len(events))
        return done

    consumer.handle_together = counted  # type: ignore[method-assign]
    return sizes


def test_a_burst_is_handled_in_batches_each_event_once_even_when_published_twice(
        app: BusApp) -> None:
    consumer = app.consumer(batch=20)
    sizes = watched(consumer)
    app.bus.declare(consumer.queue)
    ids = app.published_twice(40)

    with Running(consumer.run_until):
        counts = settle(app.counts, quiet=1.5)

    assert counts == {"handled": 40, "distinct": 40, "inbox": 40, "dead": 0, "pending": 0}
    assert app.handled_ids() == set(ids)
    assert max(sizes["kept"]) > 1, "events really were handled together"
    assert sizes["given up"], "a batch holding second copies was given up, then split"


def test_batches_keep_the_publishing_order(app: BusApp) -> None:
    consumer = app.consumer(batch=20)
    sizes = watched(consumer)
    app.bus.declare(consumer.queue)
    app.emit(300)
    assert app.relay.drain() == 300
    with Running(consumer.run_until):
        assert wait_until(lambda: app.counts()["handled"] == 300)
    with app.db.reading() as session:
        order = list(session.scalars(select(Handled.n).order_by(Handled.id)))
    assert order == list(range(300))
    assert sum(sizes["kept"]) > len(sizes["kept"]), "some batch held more than one event"


def test_each_event_of_a_batch_sees_what_the_ones_before_it_wrote(app: BusApp) -> None:
    """As in transactions of their own: even a plain connection's query (which does not
    flush the session first) sees the earlier events' rows."""
    def counting(session, event: Event) -> None:
        seen = session.connection().execute(
            select(func.count()).select_from(Handled)).scalar_one()
        session.add(Handled(event_id=event.id, n=seen))

    consumer = app.consumer(counting, batch=20)
    sizes = watched(consumer)
    app.bus.declare(consumer.queue)
    app.emit(30)
    app.relay.drain()
    with Running(consumer.run_until):
        assert wait_until(lambda: app.counts()["handled"] == 30)
    with app.db.reading() as session:
        assert list(session.scalars(select(Handled.n).order_by(Handled.id))) == list(range(30))
    assert max(sizes["kept"]) > 1


def test_a_failing_event_in_a_batch_is_retried_and_parked_alone(app: BusApp) -> None:
    def fails_at_3(session, event: Event) -> None:
        if event.data["n"] == 3:
            raise RuntimeError("the handler cannot do n=3")
        record(session, event)

    consumer = app.consumer(fails_at_3, max_attempts=3, batch=20)
    app.bus.declare(consumer.queue)
    app.emit(6)
    app.relay.drain()
    with Running(consumer.run_until):
        assert wait_until(lambda: app.counts()["dead"] == 1)
        counts = settle(app.counts)
    assert counts["handled"] == 5 and counts["distinct"] == 5 and counts["inbox"] == 5
    [letter] = list_dead_letters(app.db, DeadLetter)
    assert letter.attempts == 3 and "cannot do n=3" in letter.error


@pytest.mark.slow
def test_a_consumer_killed_mid_batch_keeps_none_of_it_and_the_next_handles_each_once(
        broker, database_url, tmp_path: Path) -> None:
    app = BusApp(database_url, broker.url, broker.bus_dir)
    app.bus.declare(app.consumer().queue)
    ids = app.emit(10)
    app.relay.drain()
    marker = tmp_path / "in-handler"

    slow = _start_consumer(database_url, broker, marker, "--batch", "20", "--slow-after", "3")
    try:
        assert wait_until(marker.exists, timeout=30), "the consumer reached its fourth event"
    finally:
        slow.send_signal(signal.SIGKILL)
        slow.wait(timeout=10)
    assert app.counts()["handled"] == 0, "the three events before it went with the batch"

    healthy = _start_consumer(database_url, broker, None, "--batch", "20")
    try:
        assert wait_until(lambda: app.counts()["handled"] >= 10, timeout=60)
        counts = settle(app.counts, quiet=1.5)
    finally:
        healthy.terminate()
        healthy.wait(timeout=20)
    assert counts["handled"] == 10 and counts["distinct"] == 10 and counts["inbox"] == 10
    assert app.handled_ids() == set(ids)
