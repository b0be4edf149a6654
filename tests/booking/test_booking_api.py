"""Availability, holds and appointments through the API, rule by rule."""

from __future__ import annotations

import json
import threading
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from services.booking.domain.codes import ALPHABET
from services.booking.models import OutboxMessage, StatusChange
from services.booking.ops.changes import mark_no_shows
from services.booking.ops.holds import expire_stale_holds
from services.booking.worker import timer
from tests.support.booking import PHONES, SHANGHAI, tomorrow


def events(app, event_type: str) -> list[dict]:
    with app.extensions["clinic"].db.reading() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.event_type == event_type)
                               .order_by(OutboxMessage.id))
        return [json.loads(row.body)["data"] for row in rows]


# --- availability ------------------------------------------------------------------------------

def test_availability_shows_real_counts_by_expert(inv, consultant) -> None:
    first, *_ = inv.session(tomorrow(), time(8), count=4, capacity=5)
    inv.session(tomorrow(), time(8), count=2, capacity=3, expert_id=2, expert_name="李晓梅")
    consultant.book(first)
    consultant.post("/api/v1/holds", json={"slot_id": first})
    response = consultant.get(f"/api/v1/availability?date={tomorrow()}&department_id=1")
    assert response.status_code == 200
    experts = response.json["experts"]
    assert [e["name"] for e in experts] == ["王建国", "李晓梅"]
    slot = experts[0]["slots"][0]
    assert (slot["capacity"], slot["booked"], slot["held"], slot["remaining"]) == (5, 1, 1, 3)
    assert slot["start"].endswith("+08:00") and slot["bookable"] is True
    assert experts[0]["remaining"] == 3 + 5 * 3
    only = consultant.get(f"/api/v1/availability?date={tomorrow()}&expert_id=2").json
    assert [e["name"] for e in only["experts"]] == ["李晓梅"]


def test_availability_needs_a_department_or_an_expert(consultant) -> None:
    assert consultant.get("/api/v1/availability").status_code == 422


def test_expired_holds_do_not_count_even_before_the_worker_runs(inv, consultant,
                                                                 clock) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1, capacity=1)[0]
    consultant.post("/api/v1/holds", json={"slot_id": slot_id})
    clock.advance(timedelta(seconds=301))
    slot = consultant.get(f"/api/v1/availability?date={tomorrow()}&expert_id=1").json
    assert slot["experts"][0]["slots"][0]["remaining"] == 1
    assert consultant.book(slot_id, phone=PHONES[1]).status_code == 201, "the place is free"


# --- holds -------------------------------------------------------------------------------------

def test_a_hold_keeps_a_place_for_its_consultant_only(inv, consultant, staff) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1, capacity=1)[0]
    hold = consultant.post("/api/v1/holds", json={"slot_id": slot_id})
    assert hold.status_code == 201 and hold.json["seconds"] == 300
    other = staff("consultant", "wang")
    assert other.post("/api/v1/holds", json={"slot_id": slot_id}).json["code"] == "slot_full"
    assert other.book(slot_id).status_code == 409
    stolen = other.book(hold_id=hold.json["id"])
    assert stolen.status_code == 403
    assert other.delete(f"/api/v1/holds/{hold.json['id']}").status_code == 403
    booked = consultant.book(hold_id=hold.json["id"])
    assert booked.status_code == 201
    assert inv.counts(slot_id) == (1, 0, 0)
    again = consultant.book(hold_id=hold.json["id"], phone=PHONES[1])
    assert again.status_code == 409 and again.json["code"] == "hold_expired"


def test_releasing_a_hold_frees_the_place_at_once(inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1, capacity=1)[0]
    hold = consultant.post("/api/v1/holds", json={"slot_id": slot_id}).json
    assert inv.counts(slot_id) == (0, 1, 0)
    assert consultant.delete(f"/api/v1/holds/{hold['id']}").status_code == 204
    assert consultant.delete(f"/api/v1/holds/{hold['id']}").status_code == 204, "idempotent"
    assert inv.counts(slot_id) == (0, 0, 0)
    assert consultant.delete("/api/v1/holds/no-such-hold").status_code == 404


def test_the_worker_expires_stale_holds(app, inv, consultant, clock) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1, capacity=2)[0]
    consultant.post("/api/v1/holds", json={"slot_id": slot_id})
    expire = timer(app.extensions["clinic"], expire_stale_holds)
    assert expire() == 0, "the hold has 300 seconds"
    clock.advance(timedelta(minutes=6))
    assert expire() == 1
    assert inv.counts(slot_id) == (0, 0, 0)


def test_a_live_hold_is_extended_a_few_times_by_its_consultant_only(inv, consultant, staff,
                                                                      clock) -> None:
    """Issue 16 bug 7: the patient still deciding; the consultant keeps the place."""
    slot_id = inv.session(tomorrow(), time(8), count=1, capacity=1)[0]
    hold = consultant.post("/api/v1/holds", json={"slot_id": slot_id}).json
    extend = f"/api/v1/holds/{hold['id']}/extend"
    assert staff("consultant", "wang").post(extend).status_code == 403
    clock.advance(timedelta(seconds=240))
    longer = consultant.post(extend)
    assert longer.status_code == 200, longer.json
    assert longer.json["expires_at"] > hold["expires_at"]
    clock.advance(timedelta(seconds=290))  # past the first expiry, inside the second
    assert consultant.get(f"/api/v1/availability?date={tomorrow()}&expert_id=1"
                          ).json["experts"][0]["slots"][0]["held"] == 1
    assert consultant.post(extend).status_code == 200
    clock.advance(timedelta(seconds=290))
    capped = consultant.post(extend).json  # 3 × 300 s after it was taken at most
    assert capped["expires_at"] == (datetime.fromisoformat(hold["expires_at"])
                                    + timedelta(seconds=600)).isoformat()
    assert consultant.post(extend).json["code"] == "extend_limit"
    clock.advance(timedelta(seconds=400))
    assert consultant.post(extend).json["code"] == "hold_expired"
    assert consultant.post("/api/v1/holds/no-such-hold/extend").status_code == 404
    assert consultant.book(hold_id=hold["id"]).json["code"] == "hold_expired"


# --- refusals from a read ------------------------------------------------------------------------

def test_a_full_slot_is_refused_without_waiting_for_the_writers(app, inv, consultant) -> None:
    """Issue 17: under a rush for the last place, those after it are answered from a read;
    they do not queue for the write lock (held here by another transaction)."""
    slot_id = inv.session(tomorrow(), time(8), count=1, capacity=1)[0]
    assert consultant.book(slot_id).status_code == 201
    db = app.extensions["clinic"].db
    answers: list[Any] = []
    with db.transaction() as session:  # a writer holds the lock (SQLite: BEGIN IMMEDIATE)
        session.execute(text("UPDATE slots SET updated_at = updated_at WHERE id = :id"),
                        {"id": slot_id})
        asker = threading.Thread(target=lambda: answers.append(
            consultant.book(slot_id, phone=PHONES[1])))
        asker.start()
        asker.join(timeout=10)
        assert answers, "a full slot must be refused while another writer holds the lock"
    assert answers[0].status_code == 409 and answers[0].json["code"] == "slot_full"
    held = consultant.post("/api/v1/holds", json={"slot_id": slot_id})
    assert held.status_code == 409 and held.json["code"] == "slot_full"


def test_a_retried_booking_gets_its_booking_not_full(inv, consultant) -> None:
    """The read that refuses a full slot first answers a key already used."""
    slot_id = inv.session(tomorrow(), time(8), count=1, capacity=1)[0]
    key = {"Idempotency-Key": "retry-1"}
    first = consultant.book(slot_id, headers=key)
    again = consultant.book(slot_id, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json["code"] == first.json["code"]


# --- booking -----------------------------------------------------------------------------------

def test_booking_answers_code_queue_number_and_a_confirmation(app, inv, consultant) -> None:
    slot_ids = inv.session(tomorrow(), time(8), count=4, capacity=5)
    response = consultant.book(slot_ids[2], phone="138 0013 8000")
    assert response.status_code == 201, response.json
    body = response.json
    assert len(body["code"]) == 8 and set(body["code"]) <= set(ALPHABET)
    assert body["queue_number"] == 11, "third slot: after 2 x 5 places"
    assert body["status"] == "booked" and body["patient"]["phone"] == "+8613800138000"
    assert body["start"].endswith("09:00:00+08:00")
    text = body["confirmation_text"]
    for fact in ("仁和医院", "心内科", "王建国", "11号", body["code"], "示范路 100 号", "/p/"):
        assert fact in text
    [event] = events(app, "booking.appointment.booked")
    assert event["code"] == body["code"] and event["patient"]["phone"] == "+8613800138000"
    assert event["hospital"]["name"] == "仁和医院" and event["patient_link"].startswith("http")
    assert event["slot"]["start"] == f"{tomorrow()}T01:00:00Z", "09:00 in Shanghai, in UTC"


def test_seats_fill_from_the_lowest_free_number(inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1, capacity=3)[0]
    numbers = [consultant.book(slot_id, phone=p).json["queue_number"] for p in PHONES[:2]]
    assert numbers == [1, 2]
    first = consultant.book(slot_id, phone=PHONES[2]).json
    consultant.post(f"/api/v1/appointments/{first['id']}/cancel", json={})
    assert consultant.book(slot_id, phone=PHONES[3]).json["queue_number"] == 3


def test_a_full_slot_is_409_and_says_so(inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1, capacity=1)[0]
    consultant.book(slot_id)
    response = consultant.book(slot_id, phone=PHONES[1])
    assert response.status_code == 409
    assert response.json["code"] == "slot_full" and "full" in response.json["detail"]


def test_one_active_appointment_per_patient_per_expert_per_day(inv, consultant) -> None:
    first, second = inv.session(tomorrow(), time(8), count=2)[:2]
    booked = consultant.book(first).json
    again = consultant.book(second)
    assert again.status_code == 409 and again.json["code"] == "duplicate"
    assert again.json["existing"]["code"] == booked["code"]
    other_day = inv.session(tomorrow() + timedelta(days=1), time(8), count=1)[0]
    assert consultant.book(other_day).status_code == 201
    consultant.post(f"/api/v1/appointments/{booked['id']}/cancel", json={})
    assert consultant.book(second).status_code == 201, "a cancelled one does not count"


@pytest.mark.parametrize("patient, field", [
    ({"name": "张三", "phone": "12345"}, "phone"),
    ({"name": "张三", "phone": "not a phone"}, "phone"),
    ({"name": " ", "phone": PHONES[0]}, "name"),
    ({"name": "张三", "phone": PHONES[0], "email_consent": True}, "email_consent"),
])
def test_bad_patient_details_are_422(inv, consultant, patient, field) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    response = consultant.post("/api/v1/appointments", json={
        "slot_id": slot_id, "patient": patient, "channel": "phone"})
    assert response.status_code == 422
    assert list(response.json["errors"]["json"]["patient"]) == [field], \
        "the refusal names the field itself, not only in its message"


@pytest.mark.parametrize("body, field", [
    ({"channel": "fax"}, "channel"),
    ({"slot_id": "x"}, "slot_id"),
    ({"patient": "张三"}, "patient"),
    ({"patient": {"name": "张三", "phone": PHONES[0], "email": "not-an-email"}}, "email"),
])
def test_bad_requests_are_422(inv, consultant, body, field) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    base = {"slot_id": slot_id, "patient": {"name": "张三", "phone": PHONES[0]}, "channel": "qq"}
    response = consultant.post("/api/v1/appointments", json={**base, **body})
    assert response.status_code == 422
    assert field in json.dumps(response.json["errors"])


def test_a_slot_or_a_hold_is_needed(consultant) -> None:
    response = consultant.book(None)
    assert response.status_code == 422 and response.json["code"] == "slot_required"


def test_booking_windows_release_and_cut_off(inv, consultant, clock) -> None:
    day = tomorrow()
    clock.set(datetime.combine(day, time(9, 50), tzinfo=SHANGHAI))
    far = inv.session(day + timedelta(days=20), time(8), count=1)[0]
    refused = consultant.book(far)
    assert refused.status_code == 409 and refused.json["code"] == "not_released"
    assert not bookable(consultant, far, day + timedelta(days=20))
    soon = inv.session(day, time(10), count=1)[0]
    closed = consultant.book(soon, phone=PHONES[1])
    assert closed.status_code == 409 and closed.json["code"] == "closed"
    assert not bookable(consultant, soon, day)
    later = inv.session(day, time(10, 50), count=1, expert_id=2, expert_name="李晓梅")[0]
    assert bookable(consultant, later, day)
    assert consultant.book(later, phone=PHONES[2]).status_code == 201


def bookable(consultant, slot_id: int, day) -> bool:
    """What the grid says of one slot: the console offers only what booking accepts."""
    experts = consultant.get(f"/api/v1/availability?date={day}&department_id=1").json["experts"]
    return next(s["bookable"] for e in experts for s in e["slots"] if s["slot_id"] == slot_id)


def test_frequent_no_shows_need_an_override_reason(app, inv, consultant, clock) -> None:
    missed = [inv.session(tomorrow() + timedelta(days=n), time(8), count=1)[0] for n in range(3)]
    for slot_id in missed:
        assert consultant.book(slot_id).status_code == 201
    clock.advance(timedelta(days=4))
    assert timer(app.extensions["clinic"], mark_no_shows)() == 3
    slot_ids = inv.session(tomorrow() + timedelta(days=5), time(8), count=1)
    refused = consultant.book(slot_ids[0])
    assert refused.status_code == 409 and refused.json["code"] == "no_show_override_required"
    allowed = consultant.book(slot_ids[0], override_reason="患者来电说明情况")
    assert allowed.status_code == 201
    assert allowed.json["override_reason"] == "患者来电说明情况"


def test_the_same_idempotency_key_never_books_twice(inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1, capacity=5)[0]
    key = {"Idempotency-Key": "chat-4711-booking"}
    first = consultant.book(slot_id, headers=key)
    second = consultant.book(slot_id, headers=key)
    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    assert inv.counts(slot_id) == (1, 0, 0)
    different = consultant.book(slot_id, phone=PHONES[1], headers=key)
    assert different.status_code == 422
    assert consultant.book(slot_id, phone=PHONES[1]).status_code == 201


# --- cancel and reschedule ---------------------------------------------------------------------

def test_cancel_gives_the_place_back_and_tells_why(app, inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1, capacity=1)[0]
    booked = consultant.book(slot_id).json
    response = consultant.post(f"/api/v1/appointments/{booked['id']}/cancel",
                               json={"reason": "patient", "note": "工作冲突"})
    assert response.status_code == 200 and response.json["status"] == "cancelled"
    assert inv.counts(slot_id) == (0, 0, 0)
    [event] = events(app, "booking.appointment.cancelled")
    assert event["cancellation"] == {"reason": "patient", "note": "工作冲突", "by": "li",
                                     "alternatives": []}
    again = consultant.post(f"/api/v1/appointments/{booked['id']}/cancel", json={})
    assert again.status_code == 409 and again.json["code"] == "wrong_status"


def test_reschedule_moves_the_place_in_one_step(app, inv, consultant) -> None:
    first, second = inv.session(tomorrow(), time(8), count=2, capacity=1)
    booked = consultant.book(first).json
    moved = consultant.post(f"/api/v1/appointments/{booked['id']}/reschedule",
                            json={"slot_id": second})
    assert moved.status_code == 200, moved.json
    assert moved.json["slot_id"] == second and moved.json["queue_number"] == 2
    assert moved.json["code"] == booked["code"]
    assert inv.counts(first) == (0, 0, 0) and inv.counts(second) == (1, 0, 0)
    [event] = events(app, "booking.appointment.rescheduled")
    assert event["previous"]["slot"]["slot_id"] == first and event["slot"]["slot_id"] == second


def test_reschedule_into_a_full_slot_changes_nothing(inv, consultant) -> None:
    first, second = inv.session(tomorrow(), time(8), count=2, capacity=1)
    mine = consultant.book(first).json
    consultant.book(second, phone=PHONES[1])
    refused = consultant.post(f"/api/v1/appointments/{mine['id']}/reschedule",
                              json={"slot_id": second})
    assert refused.status_code == 409 and refused.json["code"] == "slot_full"
    assert inv.counts(first) == (1, 0, 0) and inv.counts(second) == (1, 0, 0)
    assert consultant.get(f"/api/v1/appointments/{mine['id']}").json["slot_id"] == first


def test_unknown_appointments_and_slots_are_404(consultant) -> None:
    assert consultant.get("/api/v1/appointments/999").status_code == 404
    assert consultant.post("/api/v1/appointments/999/cancel", json={}).status_code == 404
    assert consultant.book(999).status_code == 404
    assert consultant.post("/api/v1/holds", json={"slot_id": 999}).status_code == 404


def test_every_change_is_recorded(app, inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=2)[0]
    booked = consultant.book(slot_id).json
    consultant.post(f"/api/v1/appointments/{booked['id']}/cancel", json={})
    with app.extensions["clinic"].db.reading() as session:
        actions = [c.action for c in session.scalars(
            select(StatusChange).where(StatusChange.appointment_id == booked["id"])
            .order_by(StatusChange.id))]
    assert actions == ["book", "cancel"]


def test_a_consultant_holds_at_most_three_places_at_once(inv, consultant, staff,
                                                         clock) -> None:
    slots = inv.session(tomorrow(), time(8), count=5, capacity=5)
    held = [consultant.post("/api/v1/holds", json={"slot_id": s}) for s in slots[:3]]
    assert [h.status_code for h in held] == [201, 201, 201]
    fourth = consultant.post("/api/v1/holds", json={"slot_id": slots[3]})
    assert fourth.status_code == 409 and fourth.json["code"] == "too_many_holds"
    assert staff("consultant", "wang").post("/api/v1/holds", json={"slot_id": slots[3]}) \
        .status_code == 201, "the cap is per consultant"
    consultant.delete(f"/api/v1/holds/{held[0].json['id']}")
    assert consultant.post("/api/v1/holds", json={"slot_id": slots[3]}).status_code == 201
    clock.advance(timedelta(seconds=301))
    assert consultant.post("/api/v1/holds", json={"slot_id": slots[4]}).status_code == 201, \
        "expired holds do not count"


def test_a_retried_hold_with_the_same_key_is_the_same_hold(inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1, capacity=5)[0]
    key = {"Idempotency-Key": "hold-once"}
    first = consultant.post("/api/v1/holds", json={"slot_id": slot_id}, headers=key)
    again = consultant.post("/api/v1/holds", json={"slot_id": slot_id}, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json == again.json
    assert inv.counts(slot_id) == (0, 1, 0)
    other = consultant.post("/api/v1/holds", json={"slot_id": slot_id + 1}, headers=key)
    assert other.status_code == 422, "the same key for another request"
