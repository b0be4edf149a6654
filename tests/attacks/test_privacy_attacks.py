"""Issue 28 items 1-4, replayed as the attacks they were (docs/privacy.md).

1. A manager rebuilt any patient's phone digit by digit from the appointment search
   (``phone=d5678`` for d = 0-9, then one digit further left each round).
2. Erasure left the patient in parked dead letters, stored answers and the SQLite file.
3. An erasure raced ten bookings for the same patient on PostgreSQL: five stayed booked
   for the erased record, and a ``book`` was logged after the ``erase``.
4. Notify's export was logged nowhere and carried the patient's live link.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import time
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import event, select
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from services.booking.models import AccessRecord, Appointment, DeadLetter, IdempotencyRecord
from services.booking.models import Base as BookingBase
from services.booking.models import OutboxMessage as BookingOutbox
from services.common.db import utcnow
from services.followup.models import Base as FollowupBase
from services.followup.models import DeadLetter as FollowupDeadLetter
from services.followup.models import IdempotencyRecord as FollowupAnswer
from services.notify.models import AccessRecord as NotifyAccess
from services.notify.models import Base as NotifyBase
from services.notify.models import DeadLetter as NotifyDeadLetter
from tests.support.booking import Inventory, Staff, bearer, tomorrow
from tests.test_privacy import EMAIL, NAME, PHONE, hand_over, personal_rows
from tests.test_privacy import clinic as seeded_clinic

#: One patient booked twice (SMS and email), cancelled once, their messages planned in
#: notify and their enquiry in followup (``tests/test_privacy.py``).
clinic = seeded_clinic

VICTIM = "13912345678"


# --- 1. the digit-by-digit rebuild -----------------------------------------------------------

@pytest.fixture
def booked(make_app) -> tuple[Any, dict[str, Any]]:
    app = make_app("booking")
    slot = Inventory(app).session(tomorrow(), time(8), count=1)[0]
    answer = Staff(app, bearer("consultant", "li")).post("/api/v1/appointments", json={
        "slot_id": slot, "channel": "phone", "complaint": "头痛",
        "patient": {"name": "欧阳娜娜", "phone": VICTIM, "sms_consent": True}})
    assert answer.status_code == 201
    return app, answer.json


def rebuild(client: Staff, known: str = "5678") -> tuple[str, list[int]]:
    """The attack: extend the known tail one digit to the left while some guess matches,
    by ``phone=`` and by ``q=``. Returns what it rebuilt and every status it was answered."""
    statuses = []
    while len(known) < 11:
        for digit in "0123456789":
            guess = digit + known
            hits = []
            for query in (f"phone={guess}", f"q={guess}"):
                answer = client.get(f"/api/v1/appointments?{query}")
                statuses.append(answer.status_code)
                hits.append(answer.status_code == 200 and bool(answer.json))
            if any(hits):
                known = guess
                break
        else:
            return known, statuses
    return known, statuses


@pytest.mark.parametrize("role", ["manager", "admin", "consultant", "frontdesk"])
def test_no_role_rebuilds_a_phone_digit_by_digit(booked, role) -> None:
    app, _ = booked
    rebuilt, statuses = rebuild(Staff(app, bearer(role)))
    assert rebuilt == "5678", f"{role} rebuilt {rebuilt}"
    assert 500 not in statuses


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_roles_without_full_contact_cannot_search_by_phone_at_all(booked, role) -> None:
    app, appointment = booked
    client = Staff(app, bearer(role))
    for phone in (VICTIM, "5678", "+86 139 1234 5678"):
        refused = client.get(f"/api/v1/appointments?phone={phone}")
        assert refused.status_code == 403, phone
        assert refused.json["code"] == "phone_search_not_allowed"
        assert client.get(f"/api/v1/appointments?q={phone}").json == [], "digits match no phone"
    assert client.get(f"/api/v1/patients?phone={VICTIM}").status_code == 403
    # they still find appointments by code and name
    assert [a["id"] for a in client.get(f"/api/v1/appointments?q={appointment['code']}").json] \
        == [appointment["id"]]
    assert [a["id"] for a in client.get("/api/v1/appointments?q=欧阳").json] == [appointment["id"]]


@pytest.mark.parametrize("role", ["consultant", "frontdesk"])
def test_desks_find_by_the_whole_number_or_its_last_four_digits_only(booked, role) -> None:
    app, appointment = booked
    client = Staff(app, bearer(role))
    for query in (f"phone={VICTIM}", "phone=%2B86 139-1234-5678", "phone=5678",
                  f"q={VICTIM}", "q=139 1234 5678", "q=5678"):
        found = client.get(f"/api/v1/appointments?{query}").json
        assert [a["id"] for a in found] == [appointment["id"]], query
    for fragment in ("45678", "345678", "1391234", "9123456", "1234567890"):
        refused = client.get(f"/api/v1/appointments?phone={fragment}")
        assert refused.status_code == 422 and refused.json["code"] == "phone_fragment", fragment
        assert client.get(f"/api/v1/appointments?q={fragment}").json == [], fragment
        assert client.get(f"/api/v1/patients?phone={fragment}").status_code == 422, fragment
    # the console's returning-patient lookup sends the whole number as typed
    assert [p["id"] for p in client.get("/api/v1/patients?phone=139 1234 5678").json] == [
        appointment["patient"]["id"]]
    assert client.get("/api/v1/patients?phone=5678").json[0]["id"] == appointment["patient"]["id"]


def search_log(app) -> list[tuple[str, int, str]]:
    with app.extensions["clinic"].db.reading() as session:
        return [(r.staff, r.patient_id, r.detail) for r in session.scalars(
            select(AccessRecord).where(AccessRecord.action == "search_phone")
            .order_by(AccessRecord.id))]


def test_every_search_by_phone_is_in_the_access_log(booked) -> None:
    app, appointment = booked
    pid = appointment["patient"]["id"]
    desk = Staff(app, bearer("frontdesk", "zhou"))
    desk.get(f"/api/v1/appointments?phone={VICTIM}")
    desk.get("/api/v1/appointments?q=5678")
    desk.get(f"/api/v1/patients?phone={VICTIM}")
    desk.get("/api/v1/appointments?phone=0000")  # nobody
    desk.get("/api/v1/appointments?q=欧阳")  # a name: not a phone search
    assert search_log(app) == [("zhou", pid, "full number"), ("zhou", pid, "last four"),
                               ("zhou", pid, "full number"), ("zhou", 0, "last four, nobody found")]
    log = Staff(app, bearer("admin")).get(f"/api/v1/access-log?patient_id={pid}").json
    assert [r["action"] for r in log].count("search_phone") == 3


# --- 2. erasure leaves nothing in the machinery ----------------------------------------------

def park(app, model, body: str) -> None:
    with app.extensions["clinic"].db.transaction() as session:
        session.add(model(event_id=json.loads(body)["id"], event_type=json.loads(body)["type"],
                          queue="q", body=body, error="boom", attempts=5, created_at=utcnow()))


def test_erasure_clears_dead_letters_outbox_and_stored_answers_on_every_service(
        clinic) -> None:
    booking, notify, followup = clinic["booking"], clinic["notify"], clinic["followup"]
    pid = clinic["kept"]["patient"]["id"]
    consultant = Staff(booking, bearer("consultant", "li"))
    # a booking retried with a key keeps its answer (full contact, the link) ...
    slot = Inventory(booking).session(tomorrow(), time(11), count=1, expert_id=4)[0]
    assert consultant.post("/api/v1/appointments", headers={"Idempotency-Key": "k-1"}, json={
        "slot_id": slot, "channel": "phone", "patient": {"id": pid}}).status_code == 201
    # ... and so does an enquiry made with one
    assert Staff(followup, bearer("consultant", "li")).post(
        "/api/v1/enquiries", headers={"Idempotency-Key": "e-1"}, json={
            "name": NAME, "phone": PHONE, "channel": "phone", "call_consent": True}
    ).status_code == 201
    # every service parked an event about the patient (a replay would bring them back),
    # and one about somebody else, which stays
    with booking.extensions["clinic"].db.reading() as session:
        bodies = list(session.scalars(select(BookingOutbox.body).where(
            BookingOutbox.event_type == "booking.appointment.booked")))
    other = json.loads(bodies[0])
    other["id"] = "00000000-0000-4000-8000-000000000001"
    other["data"]["patient"] = {**other["data"]["patient"], "id": 999, "name": "别人",
                                "phone": "+8613700001111", "email": None}
    other["data"]["appointment_id"] = 999
    for app, model in ((booking, DeadLetter), (notify, NotifyDeadLetter),
                       (followup, FollowupDeadLetter)):
        park(app, model, bodies[0])
        park(app, model, json.dumps(other, ensure_ascii=False))
    hand_over(clinic)
    assert Staff(booking, bearer("admin", "root")).post(
        f"/api/v1/patients/{pid}/erase", json={"reason": "本人来函"}).status_code == 200
    hand_over(clinic)
    for app, base in ((booking, BookingBase), (notify, NotifyBase), (followup, FollowupBase)):
        assert personal_rows(app, base) == [], app.name
    for app, model in ((booking, DeadLetter), (notify, NotifyDeadLetter),
                       (followup, FollowupDeadLetter)):
        with app.extensions["clinic"].db.reading() as session:
            left = [json.loads(b)["data"]["patient"]["id"]
                    for b in session.scalars(select(model.body))]
        assert left == [999], "the other patient's letter stays"
    for app, model in ((booking, IdempotencyRecord), (followup, FollowupAnswer)):
        with app.extensions["clinic"].db.reading() as session:
            assert all(PHONE not in (r.body or "") and NAME not in (r.body or "")
                       for r in session.scalars(select(model)))


def test_erased_bytes_are_gone_from_the_sqlite_file_and_its_wal(make_app) -> None:
    app = make_app("booking")
    db = app.extensions["clinic"].db
    assert db.dialect == "sqlite"
    # This machine's SQLite may be built with secure_delete on by default; many are not.
    # Every new connection starts with it off here, as theirs would: the engine must
    # turn it on itself.
    event.listen(db.engine, "connect", lambda connection, _record: connection.execute(
        "PRAGMA secure_delete=OFF"), insert=True)
    db.engine.dispose()
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    slot = Inventory(app).session(tomorrow(), time(8), count=1)[0]
    answer = Staff(app, bearer("consultant", "li")).post(
        "/api/v1/appointments", headers={"Idempotency-Key": "k-1"}, json={
            "slot_id": slot, "channel": "phone", "complaint": "头痛",
            "patient": {"name": "欧阳娜娜", "phone": VICTIM, "email": EMAIL, "sms_consent": True}})
    pid = answer.json["patient"]["id"]  # its stored answer (full contact) is deleted below
    db.checkpoint()  # the booking's pages are in the file now, as after any busy day
    path = Path(make_url(db.url).database or "")
    assert VICTIM.encode() in path.read_bytes()
    assert Staff(app, bearer("admin")).post(f"/api/v1/patients/{pid}/erase",
                                            json={"reason": "本人来函"}).status_code == 200
    db.checkpoint()
    for file in (path, Path(f"{path}-wal")):
        raw = file.read_bytes() if file.exists() else b""
        for secret in (VICTIM, EMAIL, "欧阳娜娜"):
            assert secret.encode() not in raw, (file.name, secret)


# --- 3. the erasure races bookings (PostgreSQL, real parallel requests) -----------------------

@pytest.fixture
def served_pg(make_app, pg_url):
    app = make_app("booking", database_url=pg_url)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.extensions["clinic"].db.dispose()


@pytest.mark.postgres
@pytest.mark.slow
def test_no_booking_commits_after_the_erasure_of_its_patient(served_pg) -> None:
    app, base = served_pg
    inventory = Inventory(app)
    slots = [inventory.session(tomorrow(), time(9), count=1, expert_id=n,
                               expert_name=f"专家{n}")[0] for n in range(1, 12)]
    first = requests.post(f"{base}/api/v1/appointments", headers=bearer("consultant", "li"),
                          json={"slot_id": slots[0], "channel": "phone", "patient": {
                              "name": "于小鱼", "phone": VICTIM, "sms_consent": True}},
                          timeout=30).json()
    pid = first["patient"]["id"]
    barrier = threading.Barrier(11)

    def book(slot_id: int) -> requests.Response:
        barrier.wait(timeout=30)
        return requests.post(f"{base}/api/v1/appointments", headers=bearer("consultant", "li"),
                             json={"slot_id": slot_id, "channel": "phone",
                                   "patient": {"id": pid}}, timeout=60)

    def erase() -> requests.Response:
        barrier.wait(timeout=30)
        return requests.post(f"{base}/api/v1/patients/{pid}/erase", headers=bearer("admin"),
                             json={"reason": "本人来函"}, timeout=60)

    with ThreadPoolExecutor(max_workers=11) as pool:
        bookings = [pool.submit(book, slot) for slot in slots[1:]]
        erased = pool.submit(erase).result()
        answers = [b.result() for b in bookings]
    # On a slow day the erasure can wait out its lock behind the bookings (503, nothing
    # done, "try again"): the desk tries again, as a person would.
    for _ in range(3):
        if erased.status_code != 503:
            break
        erased = requests.post(f"{base}/api/v1/patients/{pid}/erase", headers=bearer("admin"),
                               json={"reason": "本人来函"}, timeout=60)
    assert erased.status_code == 200, erased.text
    assert {a.status_code for a in answers} <= {201, 409, 503}
    assert all(a.json()["code"] == "patient_erased" for a in answers if a.status_code == 409)
    with app.extensions["clinic"].db.reading() as session:
        still = session.scalars(select(Appointment.code).where(
            Appointment.patient_id == pid, Appointment.status == "booked")).all()
        log = session.scalars(select(AccessRecord).where(AccessRecord.patient_id == pid)
                              .order_by(AccessRecord.id)).all()
    assert still == [], "nothing stays booked for the erased record"
    erase_row = next(r for r in log if r.action == "erase")
    after = [(r.action, r.detail) for r in log if r.id != erase_row.id and (
        r.id > erase_row.id or r.at > erase_row.at)]
    assert after == [], "no booking is logged after the erasure"


# --- 4. notify's export: logged, and without the patient's live link -------------------------

def test_notifys_export_is_logged_and_carries_no_live_link(clinic) -> None:
    notify = clinic["notify"]
    pid = clinic["kept"]["patient"]["id"]
    admin = Staff(notify, bearer("admin", "root"))
    exported = admin.get(f"/api/v1/patients/{pid}/export")
    assert exported.status_code == 200
    texts = json.dumps(exported.json, ensure_ascii=False)
    assert PHONE in texts, "the export is the patient's own data, unmasked"
    assert "/p/" not in texts and "[患者链接]" in texts
    with notify.extensions["clinic"].db.reading() as session:
        rows = [(r.staff, r.patient_id, r.action) for r in session.scalars(select(NotifyAccess))]
    assert rows == [("root", pid, "export")]
    log = admin.get(f"/api/v1/access-log?patient_id={pid}").json
    assert [(r["service"], r["action"], r["staff"]) for r in log] == [("notify", "export", "root")]
    for role in ("manager", "consultant", "frontdesk"):
        assert Staff(notify, bearer(role)).get("/api/v1/access-log").status_code == 403
        assert Staff(notify, bearer(role)).get(
            f"/api/v1/patients/{pid}/export").status_code == 403
    # booking's and followup's exports carry no live link either
    for app in (clinic["booking"], clinic["followup"]):
        body = Staff(app, bearer("admin")).get(f"/api/v1/patients/{pid}/export")
        assert body.status_code == 200 and "/p/" not in body.get_data(as_text=True)
