"""Availability at a glance (SPEC §10): each slot's and each day's state, the 14-day strip,
the next free place, held places as held, the expert's specialty, and a small answer to
poll that says 304 when nothing changed."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import text

from services.booking.reads import polls
from services.common.contracts.schedule import ExpertUpdated
from tests.support.booking import PHONES, SHANGHAI, Inventory, Staff, bearer, tomorrow


def grid(consultant, day=None, days: int = 1) -> dict:
    answer = consultant.get("/api/v1/availability", query_string={
        "department_id": 1, "date": str(day or tomorrow()), "days": days})
    assert answer.status_code == 200, answer.json
    return answer.json


def states(answer: dict) -> dict[str, str]:
    return {s["start"][11:16]: s["state"] for e in answer["experts"] for s in e["slots"]}


def test_every_slot_says_why_it_can_or_cannot_be_booked(inv, consultant, staff, clock) -> None:
    day = tomorrow()
    clock.set(datetime.combine(day, time(9, 10), tzinfo=SHANGHAI))
    slots = inv.session(day, time(8, 30), count=5, capacity=1)  # 08:30 … 10:30
    inv.cancel([slots[4]], reason="设备检修")
    staff("consultant", "wang").post("/api/v1/holds", json={"slot_id": slots[3]})
    answer = grid(consultant, day)
    assert states(answer) == {"08:30": "past", "09:00": "past", "09:30": "closed",
                              "10:00": "full", "10:30": "stopped"}
    by_start = {s["start"][11:16]: s for s in answer["experts"][0]["slots"]}
    assert (by_start["10:00"]["held"], by_start["10:00"]["booked"]) == (1, 0), "held, not booked"
    assert by_start["10:30"]["stop_reason"] == "设备检修"
    later = tomorrow() + timedelta(days=20)
    inv.session(later, time(8), count=1)
    far = grid(consultant, later)["experts"][0]["slots"][0]
    assert far["state"] == "not_released" and far["opens_at"].startswith(
        str(later - timedelta(days=14)) + "T07:00")


def test_the_strip_shows_fourteen_days_and_the_next_free_place(inv, consultant, clock) -> None:
    first = tomorrow()
    clock.set(datetime.combine(first - timedelta(days=1), time(12), tzinfo=SHANGHAI))
    full = inv.session(first, time(8), count=1, capacity=1)
    consultant.book(full[0], phone=PHONES[0])
    stopped = inv.session(first + timedelta(days=1), time(8), count=2)
    inv.cancel(stopped, reason="学术会议")
    open_day = inv.session(first + timedelta(days=2), time(8), count=2, capacity=2)
    inv.session(first + timedelta(days=15), time(8), count=1)
    answer = consultant.get("/api/v1/availability/days", query_string={
        "department_id": 1, "from": str(first)}).json
    days = {d["date"]: d for d in answer["days"]}
    assert len(days) == 14
    assert days[str(first)]["state"] == "full"
    assert (days[str(first + timedelta(days=1))]["state"],
            days[str(first + timedelta(days=1))]["stop_reason"]) == ("stopped", "学术会议")
    assert (days[str(first + timedelta(days=2))]["state"],
            days[str(first + timedelta(days=2))]["remaining"]) == ("open", 4)
    assert days[str(first + timedelta(days=3))]["state"] == "none"
    far = consultant.get("/api/v1/availability/days", query_string={
        "department_id": 1, "from": str(first + timedelta(days=15)), "days": 1}).json
    assert far["days"][0]["state"] == "not_released" and far["days"][0]["opens_at"]
    assert answer["next_available"]["slot_id"] == open_day[0]
    assert answer["next_available"]["expert_name"] == "王建国"


def test_the_next_free_place_has_not_begun_when_staff_may_book_after_the_start(
        make_app, clock) -> None:
    """A negative cut-off (staff book after a slot's start) makes begun slots bookable,
    but the grid shows them as past; the next free place is the first open one."""
    app = make_app("booking", cutoff_minutes=-1440)
    inv, consultant = Inventory(app), Staff(app, bearer("consultant", "li"))
    today = tomorrow() - timedelta(days=1)
    clock.set(datetime.combine(today, time(8, 40), tzinfo=SHANGHAI))
    slots = inv.session(today, time(8), count=4, capacity=1)  # 08:00-09:30
    answer = consultant.get("/api/v1/availability/days", query_string={
        "department_id": 1, "from": str(today)}).json
    assert answer["next_available"]["slot_id"] == slots[2], "09:00, not 08:00"
    assert states(grid(consultant, today))["09:00"] == "open"


def test_the_polled_counts_answer_304_until_something_changes(inv, consultant) -> None:
    slots = inv.session(tomorrow(), time(8), count=2, capacity=2)
    query = {"department_id": 1, "date": str(tomorrow())}
    first = consultant.get("/api/v1/availability/counts", query_string=query)
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.json["version"] == grid(consultant)["version"]
    assert sorted(first.json["slots"]) == sorted([[s, 2, 0, 0, "open"] for s in slots])
    same = consultant.get("/api/v1/availability/counts", query_string=query,
                          headers={"If-None-Match": first.headers["ETag"]})
    assert same.status_code == 304 and same.get_data() == b""
    consultant.book(slots[0], phone=PHONES[0])
    changed = consultant.get("/api/v1/availability/counts", query_string=query,
                             headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and [slots[0], 1, 0, 1, "open"] in changed.json["slots"]
    assert changed.json["version"] == first.json["version"], "a count is not a new grid"
    inv.cancel([slots[1]])
    assert consultant.get("/api/v1/availability/counts", query_string=query).json[
        "version"] != first.json["version"], "a stopped slot is"
    assert len(first.get_data()) < 200, "small enough to poll"


def test_a_poll_sees_a_change_made_by_another_process_once_it_asks_again(
        app, inv, consultant, monkeypatch) -> None:
    """The poll's answer is kept in memory; a write by any process (here plain SQL, which
    this process's code never sees) changes the fingerprint, so the next poll that asks
    the database has it — and one within the quarter second after a look does not ask."""
    slots = inv.session(tomorrow(), time(8), count=3, capacity=2)
    query = {"department_id": 1, "date": str(tomorrow())}
    monkeypatch.setattr(polls, "SURE_SECONDS", 3600.0)
    first = consultant.get("/api/v1/availability/counts", query_string=query)
    with app.extensions["clinic"].db.transaction() as session:
        session.execute(text("UPDATE slots SET held = 1 WHERE id = :c"), {"c": slots[2]})
    unasked = consultant.get("/api/v1/availability/counts", query_string=query)
    assert unasked.headers["ETag"] == first.headers["ETag"], "answered without asking"
    monkeypatch.setattr(polls, "SURE_SECONDS", 0.0)
    with app.extensions["clinic"].db.transaction() as session:
        session.execute(text("UPDATE slots SET booked = 1 WHERE id = :a"), {"a": slots[0]})
    after = consultant.get("/api/v1/availability/counts", query_string=query,
                           headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and [slots[0], 1, 0, 1, "open"] in after.json["slots"]
    assert [slots[2], 1, 1, 0, "open"] in after.json["slots"]
    with app.extensions["clinic"].db.transaction() as session:  # one place moves over
        session.execute(text("UPDATE slots SET booked = booked - 1 WHERE id = :a"),
                        {"a": slots[0]})
        session.execute(text("UPDATE slots SET booked = booked + 1 WHERE id = :b"),
                        {"b": slots[1]})
    moved = consultant.get("/api/v1/availability/counts", query_string=query).json["slots"]
    assert [slots[1], 1, 0, 1, "open"] in moved and [slots[0], 2, 0, 0, "open"] in moved


def test_a_booking_made_by_this_process_shows_at_the_next_poll(inv, consultant,
                                                               monkeypatch) -> None:
    slot = inv.session(tomorrow(), time(8), count=1, capacity=2)[0]
    query = {"department_id": 1, "date": str(tomorrow())}
    monkeypatch.setattr(polls, "SURE_SECONDS", 3600.0)  # only the booking's commit forgets
    consultant.get("/api/v1/availability/counts", query_string=query)
    consultant.book(slot, phone=PHONES[0])
    assert consultant.get("/api/v1/availability/counts", query_string=query).json[
        "slots"] == [[slot, 1, 0, 1, "open"]]


def test_what_only_the_clock_changes_shows_once_the_kept_answer_is_old(
        inv, consultant, staff, clock, monkeypatch) -> None:
    slot = inv.session(tomorrow(), time(8), count=1, capacity=1)[0]
    staff("consultant", "wang").post("/api/v1/holds", json={"slot_id": slot})
    query = {"department_id": 1, "date": str(tomorrow())}
    held = consultant.get("/api/v1/availability/counts", query_string=query)
    assert held.json["slots"] == [[slot, 0, 1, 0, "full"]]
    clock.advance(timedelta(minutes=30))  # the hold ran out; no row changed yet
    monkeypatch.setattr(polls, "SURE_SECONDS", 0.0)
    monkeypatch.setattr(polls, "FRESH_SECONDS", 3600.0)
    kept = consultant.get("/api/v1/availability/counts", query_string=query)
    assert kept.headers["ETag"] == held.headers["ETag"], "answered from memory"
    monkeypatch.setattr(polls, "FRESH_SECONDS", 0.0)
    assert consultant.get("/api/v1/availability/counts", query_string=query).json[
        "slots"] == [[slot, 1, 0, 0, "open"]]


def test_the_grid_tells_the_experts_specialty_and_bio(inv, consultant) -> None:
    inv.session(tomorrow(), time(8), count=1)
    inv.apply(ExpertUpdated(id=1, code="E1", name="王建国", title="主任医师", department_id=1,
                            fee="50.00", active=True, specialty="冠心病、高血压",
                            bio="从医 30 年。"))
    expert = grid(consultant)["experts"][0]
    assert (expert["specialty"], expert["bio"]) == ("冠心病、高血压", "从医 30 年。")


def test_a_deactivated_expert_shows_as_stopped_with_the_reason_on_his_cancelled_days(
        inv, consultant) -> None:
    """Deactivation cancels an expert's slots through leave's path, with the admin's reason.
    The console shows him on those days as 停诊 with that reason — as the roster does, and
    as it shows an active expert's leave — never with a place to book, never as the next
    free place, and not on days where he has no cancelled slot (his slot still on sale
    there stays hidden)."""
    day, later = tomorrow(), tomorrow() + timedelta(days=1)
    gone = inv.session(day, time(8), count=2, capacity=3)
    left_on_sale = inv.session(later, time(8), count=1, capacity=3)
    other = inv.session(later, time(9), count=1, capacity=3, expert_id=2, expert_name="李晓梅")
    inv.cancel(gone, reason="专家调离本院")
    inv.apply(ExpertUpdated(id=1, code="E1", name="王建国", title="主任医师", department_id=1,
                            fee="50.00", active=False))

    [wang] = grid(consultant, day)["experts"]
    assert (wang["name"], wang["remaining"]) == ("王建国", 0)
    assert [(s["slot_id"], s["state"], s["stop_reason"], s["remaining"], s["bookable"])
            for s in wang["slots"]] == [(slot, "stopped", "专家调离本院", 0, False)
                                        for slot in gone]
    assert [e["name"] for e in grid(consultant, later)["experts"]] == ["李晓梅"], \
        "not on a day without his cancelled slots; his slot on sale stays hidden"
    two_days = grid(consultant, day, days=2)["experts"]
    assert {e["name"]: [s["slot_id"] for s in e["slots"]] for e in two_days} == {
        "王建国": gone, "李晓梅": other}
    polled = consultant.get("/api/v1/availability/counts", query_string={
        "department_id": 1, "date": str(day)}).json["slots"]
    assert [(s[0], s[1], s[4]) for s in polled] == [(slot, 0, "stopped") for slot in gone]

    strip = consultant.get("/api/v1/availability/days", query_string={
        "department_id": 1, "from": str(day), "days": 2}).json
    days = {d["date"]: d for d in strip["days"]}
    assert (days[str(day)]["state"], days[str(day)]["stop_reason"],
            days[str(day)]["remaining"]) == ("stopped", "专家调离本院", 0)
    assert (days[str(later)]["state"], days[str(later)]["remaining"]) == ("open", 3)
    assert "stop_reason" not in days[str(later)]
    assert strip["next_available"]["slot_id"] == other[0] != left_on_sale[0]
    assert strip["next_available"]["expert_name"] == "李晓梅"
