"""Many consultants at once, few places: never oversold, never a 5xx, counts agree.

A real HTTP server (threaded) in front of the booking app, on SQLite and on
PostgreSQL, and 100 clients released together by a barrier.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import time

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from services.booking.models import Appointment, Hold, Patient
from tests.support.booking import Inventory, tomorrow

CLIENTS = 100
PLACES = 5

pytestmark = pytest.mark.slow


@pytest.fixture
def served(make_app, database_url, auth_header):
    app = make_app("booking", database_url=database_url)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", auth_header("consultant")
    server.shutdown()
    app.extensions["clinic"].db.dispose()


def race(url: str, bodies: list[dict],
         headers: dict[str, str] | list[dict[str, str]]) -> list[requests.Response]:
    """Every body posted at once; ``headers`` for all, or one per body (one per desk)."""
    barrier = threading.Barrier(len(bodies))
    each = headers if isinstance(headers, list) else [headers] * len(bodies)

    def one(body: dict, header: dict[str, str]) -> requests.Response:
        barrier.wait(timeout=30)
        return requests.post(url, json=body, headers=header, timeout=60)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(one, bodies, each))


def patient(n: int) -> dict:
    return {"name": f"患者{n}", "phone": f"1380013{n:04d}", "sms_consent": True}


def test_last_places_go_to_exactly_five_of_a_hundred_consultants(served) -> None:
    app, base, headers = served
    inventory = Inventory(app)
    slot_id = inventory.session(tomorrow(), time(9), count=1, capacity=PLACES)[0]
    bodies = [{"slot_id": slot_id, "patient": patient(n), "channel": "chat"}
              for n in range(CLIENTS)]
    responses = race(f"{base}/api/v1/appointments", bodies, headers)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: PLACES, 409: CLIENTS - PLACES}, statuses
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"slot_full"}
    won = [r.json() for r in responses if r.status_code == 201]
    assert sorted(a["queue_number"] for a in won) == list(range(1, PLACES + 1))
    assert inventory.counts(slot_id) == (PLACES, 0, 0)
    with app.extensions["clinic"].db.reading() as session:
        rows = session.scalar(select(func.count()).select_from(Appointment)
                              .where(Appointment.slot_id == slot_id))
    assert rows == PLACES


def test_holds_race_too_and_never_hold_more_than_there_is(served) -> None:
    app, base, _ = served
    inventory = Inventory(app)
    slot_id = inventory.session(tomorrow(), time(9), count=1, capacity=PLACES)[0]
    desks = [{"Authorization": f"Bearer {token('consultant', f'desk{n}')}"}
             for n in range(CLIENTS)]
    responses = race(f"{base}/api/v1/holds", [{"slot_id": slot_id}] * CLIENTS, desks)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: PLACES, 409: CLIENTS - PLACES}, statuses
    assert inventory.counts(slot_id) == (0, PLACES, 0)
    with app.extensions["clinic"].db.reading() as session:
        active = session.scalar(select(func.count()).select_from(Hold)
                                .where(Hold.status == "active"))
    assert active == PLACES


def test_one_patient_racing_for_two_slots_gets_one(served) -> None:
    app, base, headers = served
    inventory = Inventory(app)
    first, second = inventory.session(tomorrow(), time(9), count=2, capacity=PLACES)
    bodies = [{"slot_id": (first, second)[n % 2], "patient": patient(1), "channel": "phone"}
              for n in range(20)]
    responses = race(f"{base}/api/v1/appointments", bodies, headers)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 19}, statuses
    booked = inventory.counts(first)[0] + inventory.counts(second)[0]
    assert booked == 1


def test_cancelling_one_appointment_many_times_at_once_frees_one_place(served) -> None:
    """Twenty desks cancel the same appointment together: one succeeds, the place is given
    back once, and the slot's count stays true (a second free would let it be oversold)."""
    app, base, _ = served
    inventory = Inventory(app)
    slot_id = inventory.session(tomorrow(), time(9), count=1, capacity=PLACES)[0]
    desk = {"Authorization": f"Bearer {token('frontdesk')}"}
    booked = [requests.post(f"{base}/api/v1/appointments", headers=desk, timeout=30, json={
        "slot_id": slot_id, "patient": patient(n), "channel": "phone"}).json()
        for n in range(2)]
    cancel = f"{base}/api/v1/appointments/{booked[0]['id']}/cancel"
    responses = race(cancel, [{"reason": "patient"}] * 20, desk)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 409: 19}, statuses
    assert inventory.counts(slot_id) == (1, 0, 0)


def token(role: str, username: str | None = None) -> str:
    from services.common.config import DEFAULT_JWT_SECRET
    from services.common.tokens import issue_token

    return issue_token(DEFAULT_JWT_SECRET, username or f"test-{role}", [role], ttl_seconds=600)


def test_one_new_patient_booked_by_many_desks_at_once_is_one_record(served) -> None:
    """Twenty desks book the same new patient (phone and name) with twenty experts at
    once: twenty appointments, one patient."""
    app, base, headers = served
    inventory = Inventory(app)
    slots = [inventory.session(tomorrow(), time(9), count=1, expert_id=100 + n)[0]
             for n in range(20)]
    bodies = [{"slot_id": slot_id, "patient": patient(7), "channel": "phone"}
              for slot_id in slots]
    responses = race(f"{base}/api/v1/appointments", bodies, headers)
    assert Counter(r.status_code for r in responses) == {201: 20}
    assert len({r.json()["patient"]["id"] for r in responses}) == 1
    with app.extensions["clinic"].db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Patient)) == 1


def test_one_consultant_racing_for_ten_holds_gets_three(served) -> None:
    app, base, headers = served
    inventory = Inventory(app)
    slots = inventory.session(tomorrow(), time(9), count=10, capacity=PLACES)
    responses = race(f"{base}/api/v1/holds", [{"slot_id": s} for s in slots], headers)
    assert Counter(r.status_code for r in responses) == {201: 3, 409: 7}
    with app.extensions["clinic"].db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Hold)
                              .where(Hold.status == "active")) == 3
