"""Faults injected while consultants book: afterwards every patient has exactly one
confirmation, no event is lost, and no booking that was made was answered with a 5xx."""

from __future__ import annotations

import time

import pytest

from tests.faults.conftest import Burst, System, assert_each_booking_confirmed_once
from tests.support import servers
from tests.support.bus import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow]


def test_rabbitmq_stopped_and_started_during_a_burst_of_bookings(system: System) -> None:
    with Burst(system, system.new_slots(40)) as burst:
        burst.wait_for(10)
        servers.rabbitmqctl("stop_app")
        try:
            down_at = burst.done
            burst.wait_for(down_at + 20)  # consultants go on booking with the broker away
            booked_while_down = burst.done - down_at
        finally:
            servers.rabbitmqctl("start_app")
            servers.rabbitmqctl("await_startup")
        burst.wait_for(burst.done + 10)
    assert booked_while_down >= 20
    assert_each_booking_confirmed_once(system, burst)


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
