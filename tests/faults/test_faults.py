"""Faults injected while consultants book: afterwards every patient has exactly one
confirmation, no event is lost, and no booking that was made was answered with a 5xx."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.conftest import (
    Burst,
    System,
    assert_each_booking_confirmed_once,
    running_system,
)
from tests.support import servers
from tests.support.bus import BusApp, Running, settle, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow]


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory, postgres_available: bool,
           rabbit_node: servers.RabbitNode) -> Iterator[System]:
    """The faults system on a vhost of a RabbitMQ node of this worker's own, which the
    first two tests stop and start while the machine's node serves the other workers'
    tests."""
    with running_system(tmp_path_factory.mktemp("faults"),
                        broker_url=rabbit_node.new_vhost()) as running:
        yield running


def test_rabbitmq_stopped_and_started_during_a_burst_of_bookings(
        system: System, rabbit_node: servers.RabbitNode) -> None:
    with Burst(system, system.new_slots(40)) as burst:
        burst.wait_for(10)
        rabbit_node.ctl("stop_app")
        try:
            down_at = burst.done
            burst.wait_for(down_at + 20)  # consultants go on booking with the broker away
            booked_while_down = burst.done - down_at
        finally:
            rabbit_node.ctl("start_app")
            rabbit_node.ctl("await_startup")
        burst.wait_for(burst.done + 10)
    assert booked_while_down >= 20
    assert_each_booking_confirmed_once(system, burst)


def test_rabbitmq_restart_while_publishing_loses_and_duplicates_nothing(
        rabbit_to_stop: servers.RabbitNode, database_url: str, tmp_path: Path) -> None:
    """The outbox → bus → inbox path alone (``tests/common/test_bus.py``'s), through a
    restart of the broker: here, beside the other test that stops the node, so that one
    node of the run's is started for both."""
    app = BusApp(database_url, rabbit_to_stop.url, tmp_path / "bus")
    consumer = app.consumer()
    app.bus.declare(consumer.queue)
    app.relay.batch_size = 10
    ids: list[str] = []
    with Running(app.relay.run, consumer.run_until):
        try:
            for burst in range(30):
                ids += app.emit(10, start=burst * 10)
                if burst == 5:
                    rabbit_to_stop.ctl("stop_app")
                if burst == 15:
                    rabbit_to_stop.ctl("start_app")
                    rabbit_to_stop.ctl("await_startup")
                time.sleep(0.1)
        finally:  # the module's other tests need the node running
            rabbit_to_stop.ctl("start_app")
            rabbit_to_stop.ctl("await_startup")
        assert wait_until(lambda: app.counts()["handled"] >= 300, timeout=120)
        counts = settle(app.counts, quiet=2)
    assert counts["pending"] == 0
    assert counts["handled"] == 300 and counts["distinct"] == 300 and counts["inbox"] == 300
    assert app.handled_ids() == set(ids)


def test_workers_killed_mid_message_and_restarted(system: System) -> None:
    system.gateway.delay_seconds = 0.3  # so a kill lands while a message is with the gateway
    try:
        with Burst(system, system.new_slots(30)) as burst:
            burst.wait_for(10)
            asked_before = len(system.gateway.requests)
            assert wait_until(lambda: len(system.gateway.requests) > asked_before, 30, 0.005)
            system.kill("notify-worker")  # while the gateway is taking a message
            system.kill("booking-worker")  # while relaying the burst's events
            burst.wait_for(burst.done + 10)
            system.start("booking-worker")
            system.start("notify-worker")
            burst.wait_for(burst.done + 10)
            system.kill("notify-worker")
            system.start("notify-worker")
    finally:
        system.gateway.delay_seconds = 0.0
    summary = assert_each_booking_confirmed_once(system, burst)
    assert summary["looked_up_after_a_crash"] >= 1, "a message in flight at the kill was " \
        "looked up at the gateway after its lease, instead of being sent again"
    assert summary["resends"] == 0


def test_the_sms_gateway_answering_503_for_a_while(system: System) -> None:
    with Burst(system, system.new_slots(20)) as burst:
        burst.wait_for(5)
        refused_before = len(system.gateway.requests) - len(system.gateway.accepted)
        system.gateway.down_for(4.0)
        burst.wait_for(burst.done + 20)  # booked while the gateway refuses
    assert len(system.gateway.requests) - len(system.gateway.accepted) > refused_before, \
        "the gateway did refuse messages"
    summary = assert_each_booking_confirmed_once(system, burst)
    assert summary["most_sms_attempts"] > 1, "refused messages were retried until taken"


def test_postgresql_connections_dropped_during_a_burst(system: System) -> None:
    killed = 0
    with Burst(system, system.new_slots(40), clients=6, pause=0.0) as burst:
        burst.wait_for(10)
        for _ in range(4):  # connections cut while in use, and the pools reconnect
            killed += system.cut_database_connections()
            time.sleep(0.5)
        with system.database_outage("notify"):  # notify's database fails over (for longer
            burst.wait_for(burst.done + 15)       # than a faulty event's retries) while
            time.sleep(6.0)                       # booking books and publishes
        with system.database_outage("booking", "notify"):  # then neither has one
            time.sleep(3.0)
        burst.wait_for(burst.done + 10)
    assert killed >= 4, "connections of the web process and both workers were cut"
    answers = {status for booking in burst.bookings for status in booking.answers}
    assert 503 in answers, "consultants were told to try again while the database was away"
    assert answers <= {201, 503}, "a database outage is a 503 to retry, never a 500"
    assert_each_booking_confirmed_once(system, burst)
