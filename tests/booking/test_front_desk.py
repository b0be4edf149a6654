"""The front desk's day: walk-ins, check-in and undo, no-shows, the roster, search, CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from services.booking.models import OutboxMessage, StatusChange
from services.booking.ops.changes import mark_no_shows
from services.booking.worker import timer
from services.common.config import DEFAULT_JWT_SECRET
from services.common.logging import mask_phone
from services.common.tokens import issue_token
from tests.support.booking import PHONES, SHANGHAI, Inventory, Staff, bearer, local_now, tomorrow


def events(app, event_type: str) -> list[dict]:
    with app.extensions["clinic"].db.reading() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.event_type == event_type))
        return [json.loads(row.body)["data"] for row in rows]


def walk_in(frontdesk, slot_id: int, phone: str = PHONES[0], **extra):
    return frontdesk.post("/api/v1/walk-ins", json={
        "slot_id": slot_id, "patient": {"name": "赵六", "phone": phone}, **extra})


def test_a_walk_in_is_booked_and_checked_in_at_once(app, inv, frontdesk, now_slot) -> None:
    response = walk_in(frontdesk, now_slot)
    assert response.status_code == 201, response.json
    assert response.json["status"] == "checked_in" and response.json["channel"] == "walk_in"
    assert response.json["checked_in_at"] is not None
    assert len(events(app, "booking.appointment.booked")) == 1
    assert len(events(app, "booking.appointment.checked_in")) == 1


def test_a_walk_in_goes_only_into_a_slot_of_today_not_yet_over(inv, frontdesk, clock,
                                                                 staff) -> None:
    """Issue 16 bug 1: a walk-in into a later day was checked in today (counted as an
    arrival days early); one into a slot over hours ago got a confirmation."""
    today = local_now().date()
    clock.set(datetime.combine(today, time(15), tzinfo=SHANGHAI))
    later = inv.session(today + timedelta(days=4), time(9), count=1)[0]
    over = inv.session(today, time(9), count=1)[0]
    running = inv.session(today, time(14, 30), count=2)[1]  # 15:00-15:30
    assert walk_in(frontdesk, later).json["code"] == "not_today"
    assert walk_in(frontdesk, over).json["code"] == "slot_over"
    assert walk_in(frontdesk, running).status_code == 201
    roster = staff("manager").get(f"/api/v1/roster?date={today + timedelta(days=4)}").json
    assert roster["counts"].get("arrived", 0) == 0 and inv.counts(later)[0] == 0


def test_a_full_session_takes_a_walk_in_only_with_a_reason(inv, frontdesk, now_slot) -> None:
    walk_in(frontdesk, now_slot, PHONES[0])
    walk_in(frontdesk, now_slot, PHONES[1])
    refused = walk_in(frontdesk, now_slot, PHONES[2])
    assert refused.status_code == 409 and refused.json["code"] == "slot_full"
    extra = walk_in(frontdesk, now_slot, PHONES[2], overbook_reason="老年患者远道而来")
    assert extra.status_code == 201
    assert extra.json["overbooked"] is True
    assert extra.json["overbook_reason"] == "老年患者远道而来"
    assert extra.json["queue_number"] == 3, "after the session's two places"
    assert inv.counts(now_slot) == (2, 0, 1), "capacity is never exceeded; overbooking is apart"


def test_check_in_undo_no_show_undo_each_recorded(app, inv, frontdesk, now_slot) -> None:
    appointment = walk_in(frontdesk, now_slot).json
    url = f"/api/v1/appointments/{appointment['id']}"
    no_reason = frontdesk.post(f"{url}/undo-check-in", json={})
    assert no_reason.status_code == 422, "an undo says why"
    assert frontdesk.post(f"{url}/undo-check-in", json={"reason": "点错了"}).json["status"] \
        == "booked"
    assert frontdesk.post(f"{url}/no-show", json={}).json["status"] == "no_show"
    assert frontdesk.post(f"{url}/undo-no-show", json={"reason": "患者在候诊区"}).json[
        "status"] == "booked"
    assert frontdesk.post(f"{url}/check-in", json={}).json["status"] == "checked_in"
    assert frontdesk.post(f"{url}/complete", json={}).json["status"] == "completed"
    wrong = frontdesk.post(f"{url}/no-show", json={})
    assert wrong.status_code == 409 and wrong.json["code"] == "wrong_status"
    with app.extensions["clinic"].db.reading() as session:
        changes = session.scalars(select(StatusChange).where(
            StatusChange.appointment_id == appointment["id"]).order_by(StatusChange.id)).all()
    assert [c.action for c in changes] == ["walk_in", "undo_check_in", "no_show",
                                           "undo_no_show", "check_in", "complete"]
    assert changes[1].reason == "点错了" and changes[1].by == "zhou"
    assert inv.counts(now_slot) == (1, 0, 0), "the place stays taken throughout"


def test_no_checking_in_on_another_day_and_no_no_show_before_the_visit(inv, consultant,
                                                                       frontdesk) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    booked = consultant.book(slot_id).json
    early = frontdesk.post(f"/api/v1/appointments/{booked['id']}/check-in", json={})
    assert early.status_code == 409 and early.json["code"] == "not_today"
    too_soon = frontdesk.post(f"/api/v1/appointments/{booked['id']}/no-show", json={})
    assert too_soon.status_code == 409 and too_soon.json["code"] == "too_early"


def test_patients_not_checked_in_after_the_session_become_no_shows(app, inv, consultant,
                                                                    clock) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=2)[0]
    booked = consultant.book(slot_id).json
    mark = timer(app.extensions["clinic"], mark_no_shows)
    session_end = datetime.combine(tomorrow(), time(9), tzinfo=SHANGHAI)
    clock.set(session_end + timedelta(minutes=29))
    assert mark() == 0, "the grace period has not passed"
    clock.set(session_end + timedelta(minutes=31))
    assert mark() == 1
    assert consultant.get(f"/api/v1/appointments/{booked['id']}").json["status"] == "no_show"
    assert events(app, "booking.appointment.no_show")[0]["code"] == booked["code"]


def test_roster_groups_by_expert_and_session_in_queue_order(inv, consultant, staff) -> None:
    morning = inv.session(tomorrow(), time(8), count=2, capacity=2)
    afternoon = inv.session(tomorrow(), time(14), count=1, capacity=3)
    inv.session(tomorrow(), time(8), count=1, capacity=1, expert_id=2, expert_name="李晓梅")
    consultant.book(morning[1], phone=PHONES[0], name="甲")
    consultant.book(morning[0], phone=PHONES[1], name="乙")
    consultant.book(afternoon[0], phone=PHONES[2], name="丙")
    cancelled = consultant.book(morning[0], phone=PHONES[3], name="丁").json
    consultant.post(f"/api/v1/appointments/{cancelled['id']}/cancel", json={})
    manager = staff("manager")
    roster = manager.get(f"/api/v1/roster?date={tomorrow()}").json
    assert roster["counts"]["booked"] == 3 and roster["counts"]["cancelled"] == 1
    wang, li = roster["experts"]
    assert wang["expert"]["name"] == "王建国" and li["expert"]["name"] == "李晓梅"
    sessions = wang["sessions"]
    assert [s["session"] for s in sessions] == ["08:00-09:00", "14:00-14:30"]
    assert [(a["queue_number"], a["patient_name"]) for a in sessions[0]["appointments"]] == [
        (1, "乙"), (2, "丁"), (3, "甲")]
    assert sessions[0]["counts"]["remaining"] == 2
    phones = [a["phone"] for s in sessions for a in s["appointments"]]
    assert all(re.fullmatch(r"1\d\d\*{4}\d{4}", p) for p in phones), phones
    assert "13912345678" not in json.dumps(roster)


def test_search_by_code_name_or_last_four_digits(inv, consultant, frontdesk) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    booked = consultant.book(slot_id, phone="13912345678", name="欧阳娜娜").json
    for query in (f"q={booked['code']}", "q=欧阳", "q=5678", f"code={booked['code'].lower()}",
                  "phone=5678"):
        found = frontdesk.get(f"/api/v1/appointments?{query}").json
        assert [a["code"] for a in found] == [booked["code"]], query
        assert found[0]["patient"]["phone"] == mask_phone("+8613912345678")
    assert frontdesk.get("/api/v1/appointments?q=0000").json == []


def test_roster_exports_as_csv_with_masked_phones(inv, consultant, frontdesk) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    booked = consultant.book(slot_id, name="张三").json
    response = frontdesk.get(f"/api/v1/roster.csv?date={tomorrow()}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["日期", "科室", "专家"], "in the page's language (Chinese)"
    assert rows[1][6:9] == [booked["code"], "张三", mask_phone("+8613800138000")]
    assert "138001" not in response.get_data(as_text=True)


def one_came_one_missed(frontdesk, slot_id: int) -> None:
    """Two walk-ins into ``slot_id``: the first arrived, the second (checked in by
    mistake, undone) marked a no-show."""
    walk_in(frontdesk, slot_id, PHONES[0])
    missed = walk_in(frontdesk, slot_id, PHONES[1]).json
    url = f"/api/v1/appointments/{missed['id']}"
    frontdesk.post(f"{url}/undo-check-in", json={"reason": "误操作"})
    frontdesk.post(f"{url}/no-show", json={})


def test_stats_count_by_group_with_arrival_rate(inv, consultant, frontdesk, staff,
                                                now_slot) -> None:
    one_came_one_missed(frontdesk, now_slot)
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    later = consultant.book(slot_id, phone=PHONES[2]).json
    consultant.post(f"/api/v1/appointments/{later['id']}/cancel", json={})
    manager = staff("manager")
    today = local_now().date()
    rows = manager.get(f"/api/v1/stats?from={today}&to={tomorrow()}&by=channel").json
    by_channel = {row["group"]: row for row in rows}
    assert by_channel["walk_in"] == {"group": "walk_in", "name": "walk_in", "booked": 2,
                                     "cancelled": 0, "arrived": 1, "no_show": 1,
                                     "arrival_rate": 0.5, "capacity": None,
                                     "utilisation": None}
    assert by_channel["chat"]["cancelled"] == 1 and by_channel["chat"]["arrival_rate"] is None
    assert by_channel["chat"]["booked"] == 0, "booked leaves out the cancelled, as the roster"
    experts = manager.get(f"/api/v1/stats?from={today}&to={tomorrow()}&by=expert").json
    assert experts[0]["name"] == "王建国"
    assert manager.get(f"/api/v1/stats?from={tomorrow()}&to={today}").status_code == 422
    assert manager.get(f"/api/v1/stats?from={today}&to={today}&by=x").status_code == 422


def test_stats_by_booking_date_with_utilisation_a_daily_trend_and_csv(inv, consultant, staff,
                                                                       clock) -> None:
    """Issue 16: utilisation, by visit or by booking date, a trend by day, CSV."""
    today = local_now().date()
    clock.set(datetime.combine(today, time(7), tzinfo=SHANGHAI))
    later = today + timedelta(days=3)
    slots = inv.session(later, time(8), count=2, capacity=2)  # 4 places
    consultant.book(slots[0])
    gone = consultant.book(slots[1], phone=PHONES[1]).json
    consultant.post(f"/api/v1/appointments/{gone['id']}/cancel", json={"reason": "patient"})
    manager = staff("manager")
    span = {"from": today.isoformat(), "to": later.isoformat(), "by": "expert"}
    [by_visit] = manager.get("/api/v1/stats", query_string=span).json
    assert (by_visit["booked"], by_visit["capacity"], by_visit["utilisation"]) == (1, 4, 0.25)
    [made] = manager.get("/api/v1/stats", query_string={**span, "basis": "booked",
                                                        "to": today.isoformat()}).json
    assert (made["booked"], made["cancelled"]) == (1, 1), "made today, for a later visit"
    assert made["utilisation"] is None, "no places belong to a booking date"
    nothing = manager.get("/api/v1/stats", query_string={**span, "to": today.isoformat()}).json
    assert nothing == [], "no visit today"
    days = manager.get("/api/v1/stats/daily", query_string=span).json
    assert [d["date"] for d in days] == [(today + timedelta(days=n)).isoformat()
                                         for n in range(4)], "every day, empty ones too"
    assert days[3] == {"date": later.isoformat(), "booked": 1, "cancelled": 1, "arrived": 0,
                       "no_show": 0}
    by_made = manager.get("/api/v1/stats/daily", query_string={**span, "basis": "booked"}).json
    assert (by_made[0]["booked"], by_made[3]["booked"]) == (1, 0)
    exported = manager.get("/api/v1/stats.csv", query_string=span)
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    lines = exported.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("分组,专家编号,预约数") and ",25.0%" in lines[1]
    assert staff("consultant").get("/api/v1/stats/daily", query_string=span).status_code == 403
    named = Staff(inv.app, {"Authorization": "Bearer " + issue_token(
        DEFAULT_JWT_SECRET, "chen", ["consultant"], ttl_seconds=600, name="陈晓雯")})
    assert named.book(slots[1], phone=PHONES[2]).status_code == 201
    people = manager.get("/api/v1/stats", query_string={**span, "by": "consultant"}).json
    assert {p["group"]: p["name"] for p in people}["chen"] == "陈晓雯", "by display name"


def test_expert_leave_cancels_appointments_with_alternatives(app, inv, consultant) -> None:
    away = inv.session(tomorrow(), time(8), count=2, capacity=1)
    same_expert_later = inv.session(tomorrow() + timedelta(days=1), time(8), count=2,
                                    capacity=1)
    inv.session(tomorrow(), time(8), count=2, capacity=1, expert_id=2, expert_name="李晓梅")
    booked = consultant.book(away[0]).json
    inv.cancel(away)
    after = consultant.get(f"/api/v1/appointments/{booked['id']}").json
    assert after["status"] == "cancelled" and after["cancel_reason"] == "expert_unavailable"
    [event] = events(app, "booking.appointment.cancelled")
    assert event["cancellation"]["reason"] == "expert_unavailable"
    offered = event["cancellation"]["alternatives"]
    assert [o["slot_id"] for o in offered[:2]] == same_expert_later, "same expert first"
    assert offered[2]["expert_name"] == "李晓梅", "then the department's nearest"
    assert inv.slot(away[0]).status == "cancelled"
    assert consultant.book(away[1], phone=PHONES[1]).json["code"] == "slot_cancelled"


def test_a_leave_never_offers_a_place_that_has_begun(make_app, clock) -> None:
    """Even where staff may book after a slot's start (a negative cut-off, as the
    browser tests run with), the patient is offered only places still to come."""
    app = make_app("booking", cutoff_minutes=-1440)
    inv, consultant = Inventory(app), Staff(app, bearer("consultant", "li"))
    today = tomorrow() - timedelta(days=1)
    clock.set(datetime.combine(today, time(8, 40), tzinfo=SHANGHAI))
    away = inv.session(tomorrow(), time(8), count=1, capacity=1)
    same_expert_today = inv.session(today, time(8), count=4, capacity=1)  # 08:00-09:30
    booked = consultant.book(away[0]).json
    inv.cancel(away)
    [event] = events(app, "booking.appointment.cancelled")
    assert event["appointment_id"] == booked["id"]
    offered = [o["slot_id"] for o in event["cancellation"]["alternatives"]]
    assert offered == same_expert_today[2:], "09:00 and 09:30, not 08:00 and 08:30"


def test_the_roster_and_the_stats_count_alike_and_over_slots_have_no_free_places(
        inv, consultant, frontdesk, staff, clock) -> None:
    """Issue 16 bug 8: the roster's 预约 left out cancellations and the stats' counted them
    (9 against 7 for one expert-day); 余号 counted places in slots already over."""
    today = local_now().date()
    clock.set(datetime.combine(today, time(7), tzinfo=SHANGHAI))
    morning = inv.session(today, time(8), count=2, capacity=2)
    inv.session(today, time(14), count=1, capacity=3)
    kept = consultant.book(morning[0]).json
    gone = consultant.book(morning[1], phone=PHONES[1]).json
    consultant.post(f"/api/v1/appointments/{gone['id']}/cancel", json={"reason": "patient"})
    clock.set(datetime.combine(today, time(10), tzinfo=SHANGHAI))  # the morning is over
    roster = frontdesk.get(f"/api/v1/roster?date={today}").json
    [stats] = staff("manager").get(f"/api/v1/stats?from={today}&to={today}&by=expert").json
    assert roster["counts"]["booked"] == stats["booked"] == 1
    assert roster["counts"]["cancelled"] == stats["cancelled"] == 1
    morning_counts, afternoon = (s["counts"] for s in roster["experts"][0]["sessions"])
    assert morning_counts["remaining"] == 0, "no place is free in slots that are over"
    assert afternoon["remaining"] == 3 and roster["counts"]["remaining"] == 3
    assert kept["status"] == "booked"


@pytest.mark.parametrize("reason", ["hospital", "expert_unavailable"])
def test_a_staff_cancellation_by_the_hospital_offers_places_as_a_leave_does(
        app, inv, consultant, reason) -> None:
    """Issue 16: the staff cancel offers the reasons, and the hospital's proposes places."""
    mine = inv.session(tomorrow(), time(8), count=2, capacity=2)
    later = inv.session(tomorrow() + timedelta(days=1), time(8), count=1, capacity=1)
    booked = consultant.book(mine[0]).json
    done = consultant.post(f"/api/v1/appointments/{booked['id']}/cancel",
                           json={"reason": reason, "note": "设备检修"})
    assert done.status_code == 200, done.json
    assert done.json["cancel_reason"] == reason
    [event] = events(app, "booking.appointment.cancelled")
    offered = [o["slot_id"] for o in event["cancellation"]["alternatives"]]
    assert offered == [mine[1], *later], "the expert's next places, never the slot it left"
    other = consultant.book(mine[1], phone=PHONES[1]).json
    asked = consultant.post(f"/api/v1/appointments/{other['id']}/cancel",
                            json={"reason": "patient"})
    assert asked.status_code == 200
    last = events(app, "booking.appointment.cancelled")[-1]
    assert last["cancellation"]["alternatives"] == [], "the patient's own offers nothing"


def test_the_roster_says_which_session_is_stopped_and_why(inv, consultant, frontdesk) -> None:
    morning = inv.session(tomorrow(), time(8), count=2, capacity=2)
    inv.session(tomorrow(), time(14), count=1, capacity=2)
    booked = consultant.book(morning[0]).json
    inv.cancel(morning, reason="外出会诊")
    roster = frontdesk.get(f"/api/v1/roster?date={tomorrow()}").json
    stopped, open_ = roster["experts"][0]["sessions"]
    assert (stopped["stopped_slots"], stopped["stop_reason"]) == (2, "外出会诊")
    assert (open_["stopped_slots"], open_["stop_reason"]) == (0, "")
    [line] = stopped["appointments"]
    assert line["id"] == booked["id"] and line["status"] == "cancelled"
    assert line["cancel_reason"] == "expert_unavailable"
    assert stopped["counts"]["remaining"] == 0 and open_["counts"]["remaining"] == 2


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil","x")', "+1+1", "-2", "@SUM(A1)"])
def test_a_name_that_looks_like_a_formula_is_exported_as_text(inv, consultant, frontdesk,
                                                              name) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    assert consultant.book(slot_id, name=name).status_code == 201
    text = frontdesk.get(f"/api/v1/roster.csv?date={tomorrow()}").get_data(as_text=True)
    [row] = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert row["患者"] == "'" + name, "a spreadsheet shows it, never runs it"
