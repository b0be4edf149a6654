"""The waitlist (候补): a full expert-day's waiting patients are booked, first come first
served, in the very transaction that frees a place; an entry ends at the cut-off
(SPEC §10)."""

from __future__ import annotations

import threading
from datetime import datetime, time, timedelta

import pytest

from services.booking.ops import waitlist
from services.booking.worker import timer
from tests.support.booking import (
    PHONES,
    SHANGHAI,
    Inventory,
    Staff,
    bearer,
    events_of,
    tomorrow,
)


def wait(desk: Staff, expert_id: int = 1, day=None, name: str = "候补甲",
         phone: str = PHONES[2], **extra):
    return desk.post("/api/v1/waitlist", json={
        "expert_id": expert_id, "date": str(day or tomorrow()), "channel": "phone",
        "patient": {"name": name, "phone": phone, "sms_consent": True}, **extra})


def listed(desk: Staff, expert_id: int = 1, day=None) -> list[tuple]:
    answer = desk.get("/api/v1/waitlist", query_string={"expert_id": expert_id,
                                                        "date": str(day or tomorrow())})
    assert answer.status_code == 200, answer.json
    return [(e["patient"]["name"], e["status"], e["position"]) for e in answer.json]


@pytest.fixture
def full_day(inv, consultant) -> list[dict]:
    """Expert 1's day tomorrow: two slots of one place, both booked."""
    slots = inv.session(tomorrow(), time(9), count=2, capacity=1)
    return [consultant.book(slot, name=f"已约{n}", phone=PHONES[n]).json
            for n, slot in enumerate(slots)]


def test_only_a_full_open_day_takes_a_waitlist(inv, consultant, full_day) -> None:
    other = inv.session(tomorrow(), time(9), count=1, capacity=1, expert_id=2,
                        expert_name="李")
    refused = wait(consultant, expert_id=2)
    assert refused.status_code == 409 and refused.json["code"] == "has_room"
    assert wait(consultant, expert_id=1, day=tomorrow() + timedelta(days=5)).json["code"] \
        == "closed", "no slots that day"
    first = wait(consultant)
    assert first.status_code == 201 and (first.json["position"], first.json["status"]) == (
        1, "waiting")
    second = wait(consultant, name="候补乙", phone=PHONES[3])
    assert second.json["position"] == 2 and second.json["patient"]["phone"] == "136****2222"
    again = wait(consultant)
    assert again.status_code == 409 and again.json["code"] == "already_waiting"
    booked = wait(consultant, name="已约0", phone=PHONES[0])
    assert booked.status_code == 409 and booked.json["code"] == "duplicate"
    assert other  # expert 2 kept its free place


def test_a_cancellation_books_the_first_waiting_patient_at_once(app, inv, consultant, staff,
                                                                full_day) -> None:
    wang = staff("consultant", "wang")
    wait(wang, name="候补甲", phone=PHONES[2])
    wait(consultant, name="候补乙", phone=PHONES[3])
    cancelled = consultant.post(f"/api/v1/appointments/{full_day[1]['id']}/cancel",
                                json={"reason": "patient"})
    assert cancelled.status_code == 200
    assert listed(consultant) == [("候补乙", "waiting", 1), ("候补甲", "booked", None)]
    booked = [e for e in events_of(app, "booking.appointment.booked") if e["from_waitlist"]]
    assert [(e["patient"]["name"], e["booked_by"], e["channel"], e["slot"]["slot_id"])
            for e in booked] == [("候补甲", "wang", "phone", full_day[1]["slot_id"])]
    assert inv.counts(full_day[1]["slot_id"]) == (1, 0, 0)
    entry = consultant.get("/api/v1/waitlist", query_string={
        "expert_id": 1, "date": str(tomorrow())}).json[1]
    assert entry["appointment_code"] and entry["appointment_id"]


def test_a_place_under_way_neither_keeps_a_day_off_the_list_nor_goes_to_it(
        make_app, clock) -> None:
    """With a negative cut-off (staff book after a slot's start), a begun slot with room
    does not count as room, and a freed place goes to the list only if it has not begun."""
    app = make_app("booking", cutoff_minutes=-1440)
    inv, consultant = Inventory(app), Staff(app, bearer("consultant", "li"))
    today = tomorrow() - timedelta(days=1)
    clock.set(datetime.combine(today, time(8, 40), tzinfo=SHANGHAI))
    begun, later = inv.session(today, time(8), count=3, capacity=1)[1:]  # 08:30, 09:00
    taken = consultant.book(later, phone=PHONES[0]).json
    joined = wait(consultant, day=today)
    assert joined.status_code == 201, joined.json
    consultant.post(f"/api/v1/appointments/{taken['id']}/cancel", json={"reason": "patient"})
    booked = [e for e in events_of(app, "booking.appointment.booked") if e["from_waitlist"]]
    assert [e["slot"]["slot_id"] for e in booked] == [later], "09:00, not 08:30 (begun)"
    assert inv.counts(begun) == (0, 0, 0)


def test_moving_away_releasing_and_expiring_holds_free_places_too(app, inv, consultant,
                                                                 full_day, clock) -> None:
    elsewhere = inv.session(tomorrow() + timedelta(days=1), time(9), count=1, capacity=3)[0]
    for n, phone in enumerate(PHONES[2:5]):
        wait(consultant, name=f"候补{n}", phone=phone)
    consultant.post(f"/api/v1/appointments/{full_day[0]['id']}/reschedule",
                    json={"slot_id": elsewhere})
    assert [s for _, s, _ in listed(consultant)].count("booked") == 1
    # a hold taken on a freed place, then given back, goes to the next in line
    consultant.post(f"/api/v1/appointments/{full_day[1]['id']}/cancel", json={})
    assert [s for _, s, _ in listed(consultant)].count("booked") == 2
    assert listed(consultant)[0] == ("候补2", "waiting", 1)


def test_an_expired_hold_gives_its_place_to_the_waitlist(app, inv, consultant, staff,
                                                         clock) -> None:
    slot = inv.session(tomorrow(), time(9), count=1, capacity=1)[0]
    hold = staff("consultant", "zhao").post("/api/v1/holds", json={"slot_id": slot}).json
    assert hold["slot_id"] == slot
    assert wait(consultant).status_code == 201, "held full is full"
    clock.advance(timedelta(minutes=6))
    rt = app.extensions["clinic"]
    from services.booking.ops.holds import expire_stale_holds

    assert timer(rt, expire_stale_holds)() == 1
    assert listed(consultant) == [("候补甲", "booked", None)]
    assert inv.counts(slot) == (1, 0, 0)


def test_the_list_ends_at_the_days_cut_off_and_can_be_left(app, inv, consultant, full_day,
                                                           clock) -> None:
    first = wait(consultant).json
    second = wait(consultant, name="候补乙", phone=PHONES[3]).json
    assert consultant.delete(f"/api/v1/waitlist/{first['id']}").json["status"] == "cancelled"
    assert listed(consultant)[0] == ("候补乙", "waiting", 1)
    assert consultant.delete(f"/api/v1/waitlist/{first['id']}").status_code == 409
    last_start = datetime.combine(tomorrow(), time(9, 30), tzinfo=SHANGHAI)
    clock.set(last_start - timedelta(minutes=29))  # within the 30-minute cut-off
    rt = app.extensions["clinic"]
    assert timer(rt, waitlist.expire)() == 1
    assert [(n, s) for n, s, _ in listed(consultant)] == [("候补甲", "cancelled"),
                                                         ("候补乙", "expired")]
    consultant.post(f"/api/v1/appointments/{full_day[1]['id']}/cancel", json={})
    assert not [e for e in events_of(app, "booking.appointment.booked") if e["from_waitlist"]]
    assert second["status"] == "waiting"


def test_a_patient_booked_meanwhile_no_longer_waits(app, inv, consultant, full_day) -> None:
    later = inv.session(tomorrow(), time(14), count=1, capacity=1)[0]
    wait(consultant)  # the afternoon session is not there yet... it is now: has room
    assert listed(consultant) == []
    consultant.book(later, name="另约", phone=PHONES[4])
    assert wait(consultant).status_code == 201
    consultant.book(later, name="候补甲", phone=PHONES[2])  # full: refused, still waiting
    assert listed(consultant) == [("候补甲", "waiting", 1)]


def test_erasing_a_patient_ends_their_entry_and_gives_their_place(app, inv, consultant,
                                                                  staff, full_day) -> None:
    waiting = wait(consultant).json
    gone = wait(consultant, name="候补乙", phone=PHONES[3]).json
    admin = staff("admin")
    export = admin.get(f"/api/v1/patients/{gone['patient']['id']}/export").json
    assert [(w["id"], w["status"]) for w in export["waitlist"]] == [(gone["id"], "waiting")]
    admin.post(f"/api/v1/patients/{gone['patient']['id']}/erase", json={"reason": "本人要求"})
    admin.post(f"/api/v1/patients/{full_day[0]['patient']['id']}/erase",
               json={"reason": "本人要求"})
    names = {(e["id"], e["status"], e["end_reason"]) for e in consultant.get(
        "/api/v1/waitlist", query_string={"expert_id": 1, "date": str(tomorrow())}).json}
    assert names == {(waiting["id"], "booked", None), (gone["id"], "ended", "patient erased")}


@pytest.mark.postgres
def test_two_places_freed_at_once_book_two_patients_once_each(make_app, pg_url) -> None:
    from tests.support.booking import Inventory

    app = make_app("booking", database_url=pg_url)
    inv = Inventory(app)
    consultant = Staff(app, bearer("consultant", "li"))
    slots = inv.session(tomorrow(), time(9), count=4, capacity=1)
    made = [consultant.book(slot, name=f"已约{n}", phone=f"1390000000{n}").json
            for n, slot in enumerate(slots)]
    for n in range(3):
        assert wait(consultant, name=f"候补{n}", phone=f"1370000000{n}").status_code == 201
    start = threading.Barrier(4)
    codes: list[int] = []

    def cancel(appointment: dict) -> None:
        start.wait()
        codes.append(Staff(app, bearer("consultant", "li")).post(
            f"/api/v1/appointments/{appointment['id']}/cancel", json={}).status_code)

    threads = [threading.Thread(target=cancel, args=(a,)) for a in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200] * 4
    statuses = sorted(s for _, s, _ in listed(consultant))
    assert statuses == ["booked"] * 3, statuses
    assert [inv.counts(slot)[0] for slot in slots].count(1) == 3, "never two in one place"
    from_waitlist = [e for e in events_of(app, "booking.appointment.booked")
                     if e["from_waitlist"]]
    assert sorted(e["patient"]["name"] for e in from_waitlist) == ["候补0", "候补1", "候补2"]
