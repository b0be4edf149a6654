"""The same ``Idempotency-Key`` sent at once, and after a lost answer, to a real threaded
server on PostgreSQL: one change, and every copy answered as the first (issue 34, item 3).
"""

from __future__ import annotations

import json
import socket
import threading
import time as clock_time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import time
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import make_server

from services.booking.models import StatusChange
from tests.support.booking import Inventory, Staff, bearer, events_of, tomorrow

COPIES = 12

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def served(make_app: Any, pg_url: str) -> Iterator[tuple[Flask, str]]:
    app = make_app("booking", database_url=pg_url)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.extensions["clinic"].db.dispose()


def race(url: str, body: dict[str, Any], headers: list[dict[str, str]]
         ) -> list[requests.Response]:
    """The same change posted by every header at once."""
    barrier = threading.Barrier(len(headers))

    def one(header: dict[str, str]) -> requests.Response:
        barrier.wait(timeout=30)
        return requests.post(url, json=body, headers=header, timeout=60)

    with ThreadPoolExecutor(max_workers=len(headers)) as pool:
        return list(pool.map(one, headers))


def changes_of(app: Flask, appointment_id: int, action: str) -> int:
    with app.extensions["clinic"].db.reading() as session:
        return session.scalar(select(func.count()).select_from(StatusChange).where(
            StatusChange.appointment_id == appointment_id, StatusChange.action == action)) or 0


def booked(app: Flask, count: int = 1) -> tuple[list[int], list[int]]:
    slots = Inventory(app).session(tomorrow(), time(9), count=3, capacity=count + 1)
    desk = Staff(app, bearer("consultant", "li"))
    ids = [desk.book(slots[0], phone=f"1380013800{n}").json["id"] for n in range(count)]
    return slots, ids


def test_the_same_key_sent_at_once_cancels_once_and_answers_alike(served) -> None:
    app, base = served
    _, [appointment_id] = booked(app)
    header = {**bearer("consultant", "li"), "Idempotency-Key": "flaky-wifi-1"}
    answers = race(f"{base}/api/v1/appointments/{appointment_id}/cancel",
                   {"reason": "patient"}, [header] * COPIES)
    assert Counter(a.status_code for a in answers) == {200: COPIES}, [a.text for a in answers]
    assert len({a.text for a in answers}) == 1, "every copy answered with the same body"
    assert answers[0].json()["status"] == "cancelled"
    assert changes_of(app, appointment_id, "cancel") == 1
    assert sum(e["appointment_id"] == appointment_id
               for e in events_of(app, "booking.appointment.cancelled")) == 1


def test_without_a_key_the_same_copies_get_one_cancel_and_refusals(served) -> None:
    """What a key changes: without one, the copies after the first are told wrong_status."""
    app, base = served
    _, [appointment_id] = booked(app)
    answers = race(f"{base}/api/v1/appointments/{appointment_id}/cancel",
                   {"reason": "patient"}, [bearer("consultant", "li")] * COPIES)
    assert Counter(a.status_code for a in answers) == {200: 1, 409: COPIES - 1}
    assert changes_of(app, appointment_id, "cancel") == 1


def test_the_same_key_sent_at_once_moves_once(served) -> None:
    app, base = served
    slots, [appointment_id] = booked(app)
    header = {**bearer("consultant", "li"), "Idempotency-Key": "move-1"}
    answers = race(f"{base}/api/v1/appointments/{appointment_id}/reschedule",
                   {"slot_id": slots[1]}, [header] * COPIES)
    assert Counter(a.status_code for a in answers) == {200: COPIES}, [a.text for a in answers]
    assert len({a.text for a in answers}) == 1
    assert changes_of(app, appointment_id, "reschedule") == 1
    assert Inventory(app).counts(slots[1]) == (1, 0, 0)


def lost_answer(base: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> None:
    """Send a request and hang up before the answer, as a client whose network dropped."""
    host, port = base.removeprefix("http://").split(":")
    data = json.dumps(body).encode()
    head = "".join(f"{k}: {v}\r\n" for k, v in {
        **headers, "Host": host, "Content-Type": "application/json",
        "Content-Length": str(len(data)), "Connection": "close"}.items())
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(f"POST {path} HTTP/1.1\r\n{head}\r\n".encode() + data)
        conn.shutdown(socket.SHUT_RDWR)


def test_a_cancel_whose_answer_was_lost_is_retried_and_told_it_is_done(served) -> None:
    app, base = served
    _, [appointment_id] = booked(app)
    header = {**bearer("consultant", "li"), "Idempotency-Key": "lost-1"}
    path = f"/api/v1/appointments/{appointment_id}/cancel"
    lost_answer(base, path, {"reason": "patient"}, header)
    deadline = clock_time.monotonic() + 20
    while changes_of(app, appointment_id, "cancel") == 0:
        assert clock_time.monotonic() < deadline, "the first request never committed"
        clock_time.sleep(0.05)
    retried = requests.post(f"{base}{path}", json={"reason": "patient"}, headers=header,
                            timeout=30)
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "cancelled"
    assert changes_of(app, appointment_id, "cancel") == 1
    assert sum(e["appointment_id"] == appointment_id
               for e in events_of(app, "booking.appointment.cancelled")) == 1
