"""``Idempotency-Key`` on every change to an appointment (SPEC §7, issue 34 item 3): a
change whose answer was lost is retried with its key and answered as the first time —
not ``wrong_status`` or ``same_slot`` — with one history row and one event; the same key
for another body or another appointment is refused (422), as booking refuses it.

Each runs on SQLite and on PostgreSQL (the ``app`` here takes ``database_url``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from services.booking.models import IdempotencyRecord, PatientLink, StatusChange
from tests.support.booking import SHANGHAI, Inventory, Staff, bearer, events_of, tomorrow

KEY = {"Idempotency-Key": "desk-7-change-1"}


@pytest.fixture
def app(make_app: Callable[..., Flask], database_url: str) -> Flask:
    return make_app("booking", database_url=database_url)


@pytest.fixture
def morning(clock: Any) -> datetime:
    """Tomorrow 07:00 in the hospital: its 09:00 visits may be booked and checked in."""
    at = datetime.combine(tomorrow(), time(7), tzinfo=SHANGHAI)
    clock.set(at)
    return at


def history(app: Flask, appointment_id: int, action: str) -> int:
    with app.extensions["clinic"].db.reading() as session:
        return session.scalar(select(func.count()).select_from(StatusChange).where(
            StatusChange.appointment_id == appointment_id, StatusChange.action == action)) or 0


def told(app: Flask, event_type: str, appointment_id: int) -> int:
    return sum(1 for e in events_of(app, event_type) if e["appointment_id"] == appointment_id)


@dataclass(frozen=True)
class Change:
    """One change endpoint: how to bring an appointment to where it applies, its body,
    another body, and what it records and tells."""

    path: str
    body: dict[str, Any]
    other: dict[str, Any] | None
    action: str
    event: str
    before: tuple[str, ...] = ()  # (path, reason) steps made first, without a key
    late: bool = False  # the visit has begun (a no-show)


CHANGES = [
    Change("cancel", {"reason": "patient", "note": "出差"}, {"reason": "hospital"},
           "cancel", "booking.appointment.cancelled"),
    Change("reschedule", {"slot_id": 0}, {"slot_id": 1}, "reschedule",
           "booking.appointment.rescheduled"),
    Change("check-in", {}, {"reason": "x"}, "check_in", "booking.appointment.checked_in"),
    Change("undo-check-in", {"reason": "点错了"}, {"reason": "别的"}, "undo_check_in",
           "booking.appointment.check_in_undone", before=("check-in",)),
    Change("no-show", {}, {"reason": "x"}, "no_show", "booking.appointment.no_show",
           late=True),
    Change("undo-no-show", {"reason": "在候诊区"}, {"reason": "别的"}, "undo_no_show",
           "booking.appointment.no_show_undone", before=("no-show",), late=True),
    Change("complete", {}, {"reason": "x"}, "complete", "booking.appointment.completed",
           before=("check-in",)),
    Change("resend", {}, None, "resend", "booking.appointment.confirmation_requested"),
]


def ready(change: Change, inv: Inventory, desk: Staff, clock: Any, morning: datetime,
          ) -> tuple[int, int, dict[str, Any], dict[str, Any] | None]:
    """Two appointments where ``change`` applies; its body and other body (slots named)."""
    slots = inv.session(tomorrow(), time(9), count=4, capacity=3)
    ids = [desk.book(slots[0], phone=phone).json["id"]
           for phone in ("13800138001", "13800138002")]
    if change.late:
        clock.set(morning + timedelta(hours=2, minutes=10))
    for step in change.before:
        for appointment_id in ids:
            assert desk.post(f"/api/v1/appointments/{appointment_id}/{step}",
                             json={}).status_code == 200
    body, other = change.body, change.other
    if change.path == "reschedule":
        body, other = {"slot_id": slots[1]}, {"slot_id": slots[2]}
    return ids[0], ids[1], body, other


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.path)
def test_a_retried_change_gets_the_first_answer_and_changes_once(
        app, inv, staff, clock, morning, change) -> None:
    desk = staff("frontdesk", "zhou")
    first_id, second_id, body, other = ready(change, inv, desk, clock, morning)
    url = f"/api/v1/appointments/{first_id}/{change.path}"
    first = desk.post(url, json=body, headers=KEY)
    assert first.status_code == 200, first.json
    again = desk.post(url, json=body, headers=KEY)
    assert (again.status_code, again.json) == (200, first.json)
    assert history(app, first_id, change.action) == 1
    assert told(app, change.event, first_id) == 1
    if other is not None:
        refused = desk.post(url, json=other, headers=KEY)
        assert refused.status_code == 422, "the same key for another body"
    elsewhere = desk.post(f"/api/v1/appointments/{second_id}/{change.path}", json=body,
                          headers=KEY)
    assert elsewhere.status_code == 422, "the same key for another appointment"
    assert history(app, second_id, change.action) == 0
    assert history(app, first_id, change.action) == 1


def test_without_a_key_a_retry_is_refused_as_before(app, inv, consultant) -> None:
    slots = inv.session(tomorrow(), time(9), count=2, capacity=2)
    moved, cancelled = (consultant.book(slots[0], phone=p).json["id"]
                        for p in ("13800138001", "13800138002"))
    url = f"/api/v1/appointments/{moved}/reschedule"
    assert consultant.post(url, json={"slot_id": slots[1]}).status_code == 200
    again = consultant.post(url, json={"slot_id": slots[1]})
    assert again.status_code == 422 and again.json["code"] == "same_slot"
    url = f"/api/v1/appointments/{cancelled}/cancel"
    assert consultant.post(url, json={}).status_code == 200
    again = consultant.post(url, json={})
    assert again.status_code == 409 and again.json["code"] == "wrong_status"


def test_a_refused_change_keeps_no_answer_so_its_key_may_be_tried_again(
        app, inv, consultant, staff) -> None:
    """A refusal is not remembered: once the slot has room, the same key moves the visit."""
    slots = inv.session(tomorrow(), time(9), count=2, capacity=1)
    mine = consultant.book(slots[0], phone="13800138001").json["id"]
    theirs = consultant.book(slots[1], phone="13800138002").json["id"]
    url = f"/api/v1/appointments/{mine}/reschedule"
    full = consultant.post(url, json={"slot_id": slots[1]}, headers=KEY)
    assert full.status_code == 409 and full.json["code"] == "slot_full"
    assert consultant.post(f"/api/v1/appointments/{theirs}/cancel", json={}).status_code == 200
    moved = consultant.post(url, json={"slot_id": slots[1]}, headers=KEY)
    assert moved.status_code == 200 and moved.json["slot_id"] == slots[1]
    assert consultant.post(url, json={"slot_id": slots[1]}, headers=KEY).json == moved.json
    assert history(app, mine, "reschedule") == 1


def test_keys_are_each_callers_own(app, inv, consultant, staff) -> None:
    """Another member of staff with the same key is not answered from the first's record."""
    slot_id = inv.session(tomorrow(), time(9), count=1, capacity=2)[0]
    appointment_id = consultant.book(slot_id).json["id"]
    url = f"/api/v1/appointments/{appointment_id}/cancel"
    assert consultant.post(url, json={}, headers=KEY).status_code == 200
    other = staff("consultant", "wang").post(url, json={}, headers=KEY)
    assert other.status_code == 409 and other.json["code"] == "wrong_status"
    assert history(app, appointment_id, "cancel") == 1


@pytest.mark.parametrize("key", ["k" * 201, "a\x00b", "tab\there"])
def test_a_key_too_long_or_with_control_characters_is_refused(inv, consultant, key) -> None:
    """422, never a 500 (PostgreSQL refuses a NUL in text), and nothing changes."""
    slot_id = inv.session(tomorrow(), time(9), count=1, capacity=2)[0]
    appointment_id = consultant.book(slot_id).json["id"]
    answer = consultant.post(f"/api/v1/appointments/{appointment_id}/cancel", json={},
                             headers={"Idempotency-Key": key})
    assert answer.status_code == 422
    assert inv.counts(slot_id) == (1, 0, 0)


def test_a_changes_stored_answer_is_erased_with_the_patient(app, inv, consultant, staff) -> None:
    """It names the patient (``patient.id``, the complaint): erasure deletes it (SPEC §11)."""
    slot_id = inv.session(tomorrow(), time(9), count=1, capacity=2)[0]
    booked = consultant.book(slot_id).json
    assert consultant.post(f"/api/v1/appointments/{booked['id']}/cancel", json={},
                           headers=KEY).status_code == 200
    assert stored_keys(app) == ["desk-7-change-1"]
    erased = staff("admin").post(f"/api/v1/patients/{booked['patient']['id']}/erase",
                                 json={"reason": "本人要求"})
    assert erased.status_code == 200, erased.json
    assert stored_keys(app) == []


def stored_keys(app: Flask) -> list[str]:
    with app.extensions["clinic"].db.reading() as session:
        return list(session.scalars(select(IdempotencyRecord.key)))


def test_every_change_says_it_takes_the_key_in_the_openapi(app) -> None:
    paths = app.test_client().get("/api/v1/openapi.json").json["paths"]
    changes = [p for p in paths if p.startswith("/api/v1/appointments/{appointment_id}/")
               or p.startswith("/api/v1/patient-link/{token}/")]
    assert len(changes) == 10, changes
    for path in changes:
        names = [p["name"] for p in paths[path]["post"].get("parameters", [])]
        assert "Idempotency-Key" in names, path


# --- the patient's link -------------------------------------------------------------------------

def token_of(appointment: dict) -> str:
    return appointment["patient_link"].rsplit("/p/", 1)[1]


def test_the_links_cancel_and_move_take_a_key(app, inv, consultant) -> None:
    slots = inv.session(tomorrow(), time(9), count=3, capacity=3)
    cancelled, elsewhere, moved = (consultant.book(slots[0], phone=p).json for p in (
        "13800138001", "13800138002", "13800138003"))
    client = app.test_client()
    url = f"/api/v1/patient-link/{token_of(cancelled)}/cancel"
    first = client.post(url, headers=KEY)
    assert first.status_code == 200 and first.json["status"] == "cancelled"
    assert client.post(url, headers=KEY).json == first.json
    assert told(app, "booking.appointment.cancelled", cancelled["id"]) == 1
    # each link is a caller of its own: another patient's key is never their answer
    other = client.post(f"/api/v1/patient-link/{token_of(elsewhere)}/cancel", headers=KEY)
    assert other.status_code == 200 and other.json["code"] == elsewhere["code"]
    assert told(app, "booking.appointment.cancelled", elsewhere["id"]) == 1
    url = f"/api/v1/patient-link/{token_of(moved)}/reschedule"
    first = client.post(url, json={"slot_id": slots[2]}, headers=KEY)
    assert first.status_code == 200, first.json
    again = client.post(url, json={"slot_id": slots[2]}, headers=KEY)
    assert (again.status_code, again.json) == (200, first.json)
    assert client.post(url, json={"slot_id": slots[1]}, headers=KEY).status_code == 422
    assert told(app, "booking.appointment.rescheduled", moved["id"]) == 1
    assert inv.counts(slots[2]) == (1, 0, 0)


def test_the_pages_form_sent_twice_cancels_once_and_says_cancelled_both_times(
        app, inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(9), count=1, capacity=2)[0]
    booked = consultant.book(slot_id).json
    client, token = app.test_client(), token_of(booked)
    page = client.get(f"/p/{token}/cancel").get_data(as_text=True)
    [key] = re.findall(r'name="key" value="([0-9a-f]{32})"', page)
    form = {"lang": "zh-CN", "key": key}
    answers = [client.post(f"/p/{token}/cancel", data=form) for _ in range(2)]
    assert [a.headers["Location"].endswith("done=cancelled") for a in answers] == [True, True]
    assert told(app, "booking.appointment.cancelled", booked["id"]) == 1
    fresh = client.get(f"/p/{token}/cancel")  # a new page, a new action: refused as before
    assert fresh.status_code == 303 and "error=wrong_status" in fresh.headers["Location"]


# --- FHIR ------------------------------------------------------------------------------------

def his() -> dict[str, str]:
    """A hospital system's header, made when the test runs (a token lives 10 minutes, and a
    whole run is longer: one made at import had run out by the time this test ran)."""
    return bearer("integration", "his")


def test_fhirs_cancel_takes_a_key_by_patch_and_by_put(app, inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(9), count=1, capacity=3)[0]
    patched, put, other = (consultant.book(slot_id, phone=p).json["id"]
                           for p in ("13800138001", "13800138002", "13800138003"))
    client = app.test_client()
    patch = [{"op": "replace", "path": "/status", "value": "cancelled"}]

    def send_patch(appointment_id: int, body: Any) -> Any:
        return client.patch(f"/fhir/Appointment/{appointment_id}", json=body,
                            headers={**his(), **KEY},
                            content_type="application/json-patch+json")

    first = send_patch(patched, patch)
    assert first.status_code == 200 and first.mimetype == "application/fhir+json"
    again = send_patch(patched, patch)
    assert (again.status_code, again.get_json(), again.mimetype) == (
        200, first.get_json(), "application/fhir+json")
    assert told(app, "booking.appointment.cancelled", patched) == 1
    refused = send_patch(other, patch)
    assert refused.status_code == 422 and refused.get_json()["resourceType"] == \
        "OperationOutcome"
    resource = client.get(f"/fhir/Appointment/{put}", headers=his()).get_json()
    resource["status"] = "cancelled"
    key = {"Idempotency-Key": "his-put-1"}
    answers = [client.put(f"/fhir/Appointment/{put}", json=resource, headers={**his(), **key},
                          content_type="application/fhir+json") for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200], answers[1].get_data(as_text=True)
    assert answers[0].get_json() == answers[1].get_json()
    assert told(app, "booking.appointment.cancelled", put) == 1
    assert history(app, other, "cancel") == 0


def test_the_links_own_answers_are_erased_with_the_patient(app, inv, consultant, staff,
                                                            clock) -> None:
    """A link's answer names no patient id (a masked name, the code): erasure finds it by
    the scope of the patient's link, and by the code once the link itself is gone (expired
    and purged, or an old signed link never stored). Another patient's stays."""
    slot_id = inv.session(tomorrow(), time(9), count=1, capacity=3)[0]
    slots = inv.session(tomorrow() + timedelta(days=2), time(9), count=2, capacity=3)
    mine = consultant.book(slot_id, phone="13800138001").json
    moved = consultant.book(slots[0], phone="13800138001").json  # the same patient
    theirs = consultant.book(slot_id, phone="13800138002", name="李四").json
    assert moved["patient"]["id"] == mine["patient"]["id"]
    client = app.test_client()
    for appointment in (mine, theirs):
        assert client.post(f"/api/v1/patient-link/{token_of(appointment)}/cancel",
                           headers=KEY).status_code == 200
    assert client.post(f"/api/v1/patient-link/{token_of(moved)}/reschedule",
                       json={"slot_id": slots[1]},
                       headers={"Idempotency-Key": "link-move"}).status_code == 200
    with app.extensions["clinic"].db.transaction() as session:  # the moved one's link purged
        session.execute(delete(PatientLink).where(PatientLink.appointment_id == moved["id"]))
    assert len(stored_keys(app)) == 3
    erased = staff("admin").post(f"/api/v1/patients/{mine['patient']['id']}/erase",
                                 json={"reason": "本人要求"})
    assert erased.status_code == 200, erased.json
    with app.extensions["clinic"].db.reading() as session:
        left = [json.loads(r.body)["code"] for r in session.scalars(select(IdempotencyRecord))]
    assert left == [theirs["code"]]
