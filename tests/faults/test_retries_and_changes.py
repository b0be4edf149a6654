"""The fault soak's gaps (issue 34, item 4) on booking and notify under gunicorn:

- no answer for a booking, and the consultant books again with the same Idempotency-Key:
  because the answer came too late (the booking committed behind a client that gave up),
  or because booking's web was killed -9 with the bookings in flight; exactly one
  appointment per key, and one confirmation each at the gateway;
- the vhost's RabbitMQ connections closed by the broker (not a stop: the broker stays up,
  every connection of the vhost is cut) during a burst;
- cancellations and reschedules, each sent twice with its key and made while the workers
  are killed: exactly one cancellation or reschedule message each at the gateway, counted
  before its de-duplication.

Schedule and followup under kills, production timings and gateway outages mixed in are
the short soak's (``tests/faults/test_soak.py``).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from typing import Any

import psycopg
import pytest
import requests
from sqlalchemy import func, select

from services.booking.models import Appointment
from services.common.config import DEFAULT_JWT_SECRET
from services.common.tokens import issue_token
from services.notify.models import Message
from tests.faults.conftest import (
    ADMIN,
    CHECKER,
    Burst,
    System,
    assert_each_booking_confirmed_once,
    ready,
)
from tests.support import servers
from tests.support.bus import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow]

CONSULTANT = "gap-consultant"


def consultant() -> requests.Session:
    session = requests.Session()
    token = issue_token(DEFAULT_JWT_SECRET, CONSULTANT, ["consultant"], ttl_seconds=3600)
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def until_answered(session: requests.Session, url: str, body: dict[str, Any], key: str,
                   answers: list[int], timeout: float = 15) -> requests.Response:
    """POST until an answer other than none or 503, with the same key each time, as the
    console does; every status seen goes into ``answers`` (0: no answer)."""
    deadline = time.monotonic() + 90
    while True:
        try:
            response = session.post(url, json=body, headers={"Idempotency-Key": key},
                                    timeout=timeout)
            answers.append(response.status_code)
            if response.status_code != 503:
                return response
        except requests.RequestException:
            answers.append(0)
        assert time.monotonic() < deadline, f"no answer for {key}: {answers}"
        time.sleep(0.3)


def taken_by_template(system: System) -> Counter[tuple[int, str]]:
    """What the gateway took per (appointment, template), repeats included."""
    refs = Counter(body.get("client_ref") for body in list(system.gateway.taken))
    with system.notify.reading() as session:
        rows = session.execute(select(Message.id, Message.appointment_id, Message.template)
                               .where(Message.channel == "sms")).all()
    return Counter({(appointment, template): refs[f"msg-{message}"]
                    for message, appointment, template in rows if refs[f"msg-{message}"]})


# --- booking's web killed with bookings in flight ---------------------------------------------

def test_no_answer_then_a_retry_with_the_same_key_books_once(system: System) -> None:
    """Two ways a consultant gets no answer, made certain by holding the slots' rows so the
    bookings wait inside their transactions: the answer comes too late for the client (it
    gives up, the booking commits behind it); the web process is killed -9 with them in
    flight (nothing commits). Either way the retries with the same Idempotency-Key end
    with one appointment per key, answered 201."""
    slots = system.new_slots(4)
    gave_up = in_flight(system, slots, "late", timeout=0.5, then=lambda: None)
    killed = in_flight(system, slots, "kill", timeout=15, then=lambda: kill_and_restart(system))
    assert wait_until(lambda: ready(system.booking_url), 60, 0.2), system.logs()
    keys = {**gave_up, **killed}
    assert all(answers[0] == 0 and answers[-1] == 201 for answers in keys.values()), keys
    with system.booking.reading() as session:
        booked = session.execute(select(func.count()).select_from(Appointment)
                                 .where(Appointment.slot_id.in_(slots))).scalar()
    assert booked == len(keys) == 16, "one appointment per key, none twice"
    assert wait_until(lambda: sum(n for (_, t), n in taken_by_template(system).items()
                                  if t == "confirmation") >= len(keys), 60, 0.3)
    doubled = {k: n for k, n in taken_by_template(system).items() if n > 1}
    assert doubled == {}, "each confirmation reached the gateway once"


def in_flight(system: System, slots: list[int], tag: str, timeout: float,
              then: Any) -> dict[str, list[int]]:
    """Eight bookings waiting on the slots' row locks (each client's first attempt gives
    up after ``timeout``); ``then()`` while they wait; the locks released; every booking
    retried until answered. Every status each key saw."""
    url = f"{system.booking_url}/api/v1/appointments"
    keys: dict[str, list[int]] = {str(uuid.uuid4()): [] for _ in range(8)}
    dsn = system.booking.engine.url.render_as_string(False).replace("+psycopg", "")
    with psycopg.connect(dsn, autocommit=False) as lock:
        lock.execute("SELECT id FROM slots WHERE id = ANY(%s) FOR UPDATE", (slots,))
        threads = [threading.Thread(target=until_answered, args=(
            consultant(), url, {"slot_id": slots[n % len(slots)], "channel": "phone",
                                "patient": {"name": "故障测试", "sms_consent": True,
                                            "phone": phone(tag, n)}},
            key, answers, timeout)) for n, (key, answers) in enumerate(keys.items())]
        for thread in threads:
            thread.start()
        assert wait_until(lambda: waiting_on_locks(system) >= 4, 30, 0.05)
        assert wait_until(lambda: all(keys.values()) or tag == "kill", 30, 0.05)
        then()
        lock.commit()
    for thread in threads:
        thread.join(timeout=120)
    return keys


def kill_and_restart(system: System) -> None:
    """kill -9 of booking's web with the bookings in flight (their transactions wait on the
    locks, so none can commit), then a restart, as a supervisor would."""
    system.kill("booking-web")
    system.start("booking-web")  # the retries may take all its threads until the locks go


def phone(tag: str, n: int) -> str:
    return f"1370{ {'late': 1, 'kill': 2}[tag]}{n:02d}{uuid.uuid4().int % 10**4:04d}"


def waiting_on_locks(system: System) -> int:
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        row = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND "
                            "wait_event_type = 'Lock' AND application_name <> %s",
                            (system.booking.engine.url.database, CHECKER)).fetchone()
    return int(row[0]) if row else 0


# --- the broker closes the vhost's connections ------------------------------------------------

def close_vhost_connections(system: System) -> int:
    vhost = system.env["BROKER_URL"].rsplit("/", 1)[1]
    listed = servers.rabbitmqctl("-q", "list_connections", "vhost").stdout.split()
    servers.rabbitmqctl("-q", "close_all_connections", "--vhost", vhost, "fault test")
    return listed.count(vhost)


def test_the_vhosts_connections_closed_by_the_broker_during_a_burst(system: System) -> None:
    closed = []
    with Burst(system, system.new_slots(30)) as burst:
        burst.wait_for(10)
        closed.append(close_vhost_connections(system))
        burst.wait_for(burst.done + 15)
        closed.append(close_vhost_connections(system))  # the reconnected ones, again
        burst.wait_for(burst.done + 15)
    assert closed[0] >= 2 and closed[1] >= 2, f"the workers' connections were closed: {closed}"
    assert_each_booking_confirmed_once(system, burst)


# --- cancellations and reschedules, counted at the gateway ------------------------------------

def test_each_cancellation_and_reschedule_reaches_the_gateway_once(system: System) -> None:
    slots = system.new_slots(8)
    with Burst(system, slots[:4]) as burst:
        burst.wait_for(20)
    assert_each_booking_confirmed_once(system, burst)
    made = [b for b in burst.bookings if b.appointment_id][:20]
    session, changed = consultant(), {}
    session.headers["Authorization"] = f"Bearer {burst.token}"  # the member who booked
    for n, booking in enumerate(made):
        if n == 5:
            system.kill("notify-worker")  # with messages planned or in hand
        if n == 10:
            system.kill("booking-worker")  # with events to relay
            system.start("notify-worker")
        if n == 15:
            system.start("booking-worker")
        cancel = n % 2 == 0
        path = "cancel" if cancel else "reschedule"
        body = {"reason": "patient"} if cancel else {"slot_id": slots[4 + n % 4]}
        key, answers = str(uuid.uuid4()), []
        for _ in range(2):  # a double click: the second is the first's answer again
            response = until_answered(session, f"{system.booking_url}/api/v1/appointments/"
                                      f"{booking.appointment_id}/{path}", body, key, answers)
            assert response.status_code == 200, response.text
        changed[booking.appointment_id] = "cancellation" if cancel else "reschedule"

    def all_taken() -> bool:
        taken = taken_by_template(system)
        return all(taken[(a, t)] >= 1 for a, t in changed.items())

    assert wait_until(all_taken, 90, 0.3), system.logs()
    time.sleep(1.5)  # a second copy, if any, would come now
    taken = taken_by_template(system)
    assert {(a, t): taken[(a, t)] for a, t in changed.items()} == {
        (a, t): 1 for a, t in changed.items()}, "each message once, counted at the gateway"
    assert all(taken[(a, "confirmation")] == 1 for a in changed), "no confirmation again"
