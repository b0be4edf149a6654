"""Two copies of everything that scales (SPEC §7, issue 17): booking's web, booking's
worker (two relays on one outbox) and notify's worker (two consumers on one queue, two
senders on one table), on one PostgreSQL and one RabbitMQ vhost. A burst of bookings
spread over both web copies: exactly one confirmation per booking reaches the gateway,
counted before its own de-duplication, and none is late by more than a few seconds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.conftest import (
    Burst,
    System,
    assert_each_booking_confirmed_once,
    running_system,
)
from tests.support import servers

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow]

LATE_SECONDS = 5.0


@pytest.fixture(scope="module")
def two_copies(tmp_path_factory: pytest.TempPathFactory,
               postgres_available: bool) -> Iterator[System]:
    with running_system(tmp_path_factory.mktemp("scale-out"), copies=2) as running:
        yield running


def test_two_copies_confirm_each_booking_once_and_on_time(two_copies: System) -> None:
    system = two_copies
    assert sorted(system.processes) == [
        "booking-web", "booking-web-2", "booking-worker", "booking-worker-2",
        "notify-worker", "notify-worker-2"]
    with Burst(system, system.new_slots(40), clients=8, pause=0.0,
               urls=system.web_urls) as burst:
        burst.wait_for(200, timeout=120)
    summary = assert_each_booking_confirmed_once(system, burst)
    assert summary["bookings"] == 200
    late = {b.code: round(arrived - b.booked_at, 2) for b in burst.bookings
            if b.code and b.booked_at is not None
            and (arrived := system.gateway.first_taken(b.code)) is not None
            and arrived - b.booked_at > LATE_SECONDS}
    assert late == {}, f"confirmations later than {LATE_SECONDS} s after the booking: {late}"
    by_copy = {url: sum(b.url == url for b in burst.bookings) for url in system.web_urls}
    assert sorted(by_copy.values()) == [100, 100], f"both web copies booked: {by_copy}"
    vhost = system.env["BROKER_URL"].rsplit("/", 1)[1]
    queues = servers.rabbitmqctl("-q", "list_queues", "-p", vhost, "name", "consumers").stdout
    assert "clinic.events--notify\t2" in queues, f"two notify consumers on one queue: {queues}"
    assert all(process.poll() is None for process in system.processes.values()), system.logs()
