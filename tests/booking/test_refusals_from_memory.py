"""A full or stopped slot refused from memory, kept true by PostgreSQL's LISTEN/NOTIFY.

Two booking apps on one PostgreSQL database, each with its own listener (as two web
processes have): what one changes, the other learns from the notification its
transaction sent, and a place freed through one is bookable through the other as soon
as the notification lands. While a listener is away, the database is read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import time, timedelta
from typing import Any

import psycopg
import pytest
from flask import Flask

from services.booking.reads.shut import ShutSlots, shut_slots_for
from services.common.changes import conninfo
from tests.support.booking import PHONES, Inventory, Staff, bearer, tomorrow
from tests.support.bus import wait_until
from tests.support.sql import app_statements as statements

pytestmark = pytest.mark.postgres


def kept(app: Flask) -> ShutSlots:
    db = app.extensions["clinic"].db
    found = shut_slots_for(app.extensions, db.url, db.dialect)
    assert found is not None
    return found


@pytest.fixture
def two(make_app: Any, pg_url: str) -> Iterator[tuple[Flask, Flask]]:
    first = make_app("booking", database_url=pg_url)
    second = make_app("booking", database_url=pg_url)
    yield first, second
    for app in (first, second):
        kept(app).feed.stop()
        app.extensions["clinic"].db.dispose()


def book(desk: Staff, slot_id: int, n: int, **headers: str) -> Any:
    return desk.book(slot_id, phone=PHONES[n], name=f"患者{n}", headers=headers)


def test_a_place_freed_through_one_process_is_bookable_through_the_other(two) -> None:
    first, second = two
    slot = Inventory(first).session(tomorrow(), time(9, 0), count=1, capacity=1)[0]
    one, other = Staff(first, bearer("consultant", "li")), Staff(second, bearer("consultant", "wu"))
    assert kept(second).feed.wait_live()
    booked = book(one, slot, 0)
    assert booked.status_code == 201
    assert wait_until(lambda: kept(second).shut(slot) is not None, timeout=10), \
        "the other process learns the slot is full"
    assert book(other, slot, 1).status_code == 409

    assert one.post(f"/api/v1/appointments/{booked.json['id']}/cancel", json={}).status_code == 200
    # Asked again until it books: it would be refused for ever if the freed place never
    # reached the other process's memory.
    answers: list[int] = []

    def books() -> bool:
        answers.append(book(other, slot, 1).status_code)
        return answers[-1] == 201

    assert wait_until(books, timeout=10, interval=0.002), answers
    assert set(answers) <= {409, 201}


def test_a_full_slot_refused_from_memory_answers_as_the_database_does(two, clock) -> None:
    first, second = two
    inv = Inventory(first)
    full = inv.session(tomorrow(), time(9, 0), count=1, capacity=1)[0]
    stopped = inv.session(tomorrow(), time(14, 0), count=1, capacity=2, expert_id=2)[0]
    one, other = Staff(first, bearer("consultant", "li")), Staff(second, bearer("consultant", "wu"))
    assert kept(second).feed.wait_live()
    assert book(one, full, 0).status_code == 201
    inv.cancel([stopped])
    assert wait_until(lambda: None not in (kept(second).shut(full), kept(second).shut(stopped)),
                      timeout=10)
    book(other, full, 2)  # the token's and the hospital's kept copies are warm

    for slot, code in ((full, "slot_full"), (stopped, "slot_cancelled")):
        # With an Idempotency-Key the request goes to the database (a key's earlier answer
        # comes first); without one, memory answers, with no statement at all.
        from_database = book(other, slot, 1, **{"Idempotency-Key": f"k-{slot}"})
        with statements(second) as seen:
            from_memory = book(other, slot, 1)
        assert seen == [], "refused from memory: no round trip to the database"
        assert from_database.json["code"] == code
        assert (from_memory.status_code, from_memory.json) == (
            from_database.status_code, from_database.json)

    # Past the cut-off the database says "closed" before "full": memory says the same.
    clock.set(inv.slot(full).start_at - timedelta(minutes=10))
    from_database = book(other, full, 1, **{"Idempotency-Key": "k-closed"})
    with statements(second) as seen:
        from_memory = book(other, full, 1)
    assert seen == []
    assert from_database.json["code"] != "slot_full"
    assert (from_memory.status_code, from_memory.json) == (
        from_database.status_code, from_database.json)


def test_while_the_listener_is_away_the_database_is_read(two) -> None:
    first, second = two
    slot = Inventory(first).session(tomorrow(), time(9, 0), count=1, capacity=1)[0]
    one, other = Staff(first, bearer("consultant", "li")), Staff(second, bearer("consultant", "wu"))
    feed = kept(second).feed
    assert feed.wait_live()
    booked = book(one, slot, 0)
    assert wait_until(lambda: kept(second).shut(slot) is not None, timeout=10)

    # The listener's connection is ended and cannot come back (its address is wrong now).
    reachable, feed.conninfo = feed.conninfo, conninfo("postgresql+psycopg://nobody@127.0.0.1:1/x")
    with psycopg.connect(reachable, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (feed.backend_pid,))
    assert wait_until(lambda: not feed.live, timeout=10)
    with statements(second) as seen:
        assert book(other, slot, 1).json["code"] == "slot_full"
    assert seen, "not live: the refusal was read from the database"

    # A place freed meanwhile, which this listener never heard of, is not refused.
    assert one.post(f"/api/v1/appointments/{booked.json['id']}/cancel", json={}).status_code == 200
    assert book(other, slot, 1).status_code == 201

    # Back: it listens again, loads the shut slots, and refuses from memory again.
    feed.conninfo = reachable
    assert feed.wait_live()
    assert kept(second).shut(slot) is not None
    with statements(second) as seen:
        assert book(other, slot, 2).json["code"] == "slot_full"
    assert seen == []


def test_only_a_slot_filling_or_opening_notifies_and_names_no_patient(two) -> None:
    """A notifying commit waits for every other notifying commit (PostgreSQL's notify
    lock): a booking that leaves room must not notify; the one that fills the slot does."""
    first, _ = two
    slot = Inventory(first).session(tomorrow(), time(9, 0), count=1, capacity=2)[0]
    desk = Staff(first, bearer("consultant", "li"))
    url = conninfo(first.extensions["clinic"].db.url)
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute("LISTEN booking_slots")
        assert book(desk, slot, 0).status_code == 201
        assert book(desk, slot, 1).status_code == 201
        notes = list(listener.notifies(timeout=5, stop_after=1))
    payload = json.loads(notes[0].payload)
    assert (payload["id"], payload["booked"]) == (slot, 2), "only the filling booking told"
    assert set(payload) == {"id", "department_id", "expert_id", "day", "start_at", "end_at",
                            "capacity", "booked", "held", "overbooked", "status"}
