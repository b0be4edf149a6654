"""Templates, publishing, leave and extra sessions through the API."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from services.schedule.models import OutboxMessage
from tests.support.booking import bearer
from tests.support.schedule import local_today, next_weekday

SHANGHAI = ZoneInfo("Asia/Shanghai")


def events(app, event_type: str) -> list[dict]:
    with app.extensions["clinic"].db.reading() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.event_type == event_type)
                               .order_by(OutboxMessage.id))
        return [json.loads(row.body)["data"] for row in rows]


@pytest.fixture
def expert(admin) -> dict:
    return admin.expert(admin.department()["id"])


def through(day) -> int:
    """Days to publish from today so that ``day`` is among them (next_weekday(2) is 7 days
    away on a Tuesday: a fixed week would miss it one day in seven)."""
    return (day - local_today()).days + 1


def publish(admin, **body) -> dict:
    response = admin.post("/api/v1/publish", json=body)
    assert response.status_code == 200, response.json
    return response.json


# --- templates ---------------------------------------------------------------------------------

def test_templates_are_added_and_listed_in_weekday_order(admin, expert) -> None:
    created = admin.template(expert["id"], weekday=3)
    assert created.status_code == 201
    assert created.json["start"] == "08:00" and created.json["weekday"] == 3
    admin.template(expert["id"], weekday=1, start="13:30", end="16:30")
    listed = admin.get(f"/api/v1/experts/{expert['id']}/templates").json
    assert [(t["weekday"], t["start"]) for t in listed] == [(1, "13:30"), (3, "08:00")]


def template_body(**values):
    return {"weekday": 1, "start": "08:00", "end": "11:30", "slot_minutes": 30,
            "capacity_per_slot": 5, "valid_from": local_today().isoformat(), **values}


def test_a_template_is_replaced_and_deleted(admin, expert) -> None:
    template = admin.template(expert["id"]).json
    url = f"/api/v1/experts/{expert['id']}/templates/{template['id']}"
    replaced = admin.put(url, json=template_body(end="12:00"))
    assert replaced.status_code == 200 and replaced.json["end"] == "12:00"
    assert admin.delete(url).status_code == 204
    assert admin.get(f"/api/v1/experts/{expert['id']}/templates").json == []
    assert admin.delete(url).status_code == 404


@pytest.mark.parametrize("values, field", [
    ({"start": "11:30", "end": "08:00"}, "end"),
    ({"capacity_per_slot": 0}, "capacity_per_slot"),
    ({"slot_minutes": 20}, "slot_minutes"),
    ({"weekday": 8}, "weekday"),
    ({"weekday": 0}, "weekday"),
    ({"start": "8am"}, "start"),
    ({"valid_until": "2000-01-01"}, "valid_until"),
])
def test_templates_that_cannot_be_right_are_422(admin, expert, values, field) -> None:
    response = admin.template(expert["id"], **values)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"], response.json


def test_two_overlapping_sessions_of_one_expert_are_422(admin, expert) -> None:
    admin.template(expert["id"])
    response = admin.template(expert["id"], start="11:00", end="12:00")
    assert response.status_code == 422
    assert "Overlaps" in response.json["detail"]
    assert admin.template(expert["id"], start="11:30", end="12:30").status_code == 201


def test_templates_of_an_unknown_expert_are_404(admin) -> None:
    assert admin.template(999).status_code == 404
    assert admin.get("/api/v1/experts/999/templates").status_code == 404


# --- publishing --------------------------------------------------------------------------------

def test_publishing_makes_slots_once_and_again_changes_nothing(app, admin, expert) -> None:
    admin.template(expert["id"], weekday=next_weekday(2).isoweekday())
    first = publish(admin, days=14)
    assert first["published_days"] == 2 and first["slots_created"] == 14
    again = publish(admin, days=14)
    assert again["published_days"] == 0 and again["slots_created"] == 0
    slots = admin.slots(expert["id"], next_weekday(2))
    assert [s["start"][11:] for s in slots][:2] == ["08:00:00+08:00", "08:30:00+08:00"]
    assert all(s["capacity"] == 5 and s["status"] == "active" for s in slots)
    published = events(app, "schedule.slots.published")
    assert len(published) == 2, "one event per expert and day"
    event = published[0]
    assert event["expert"]["name"] == "王医生" and event["expert"]["title"] == "主任医师"
    assert event["department"]["name"] == "心内科"
    assert len(event["slots"]) == 7 and event["time_zone"] == "Asia/Shanghai"


def test_a_template_edited_later_applies_only_to_dates_not_yet_published(admin, expert) -> None:
    tuesday = next_weekday(2)
    template = admin.template(expert["id"], weekday=2).json
    publish(admin, days=through(tuesday))
    url = f"/api/v1/experts/{expert['id']}/templates/{template['id']}"
    admin.put(url, json=template_body(weekday=2, capacity_per_slot=9, end="12:00"))
    publish(admin, days=through(tuesday + timedelta(days=7)))
    assert [s["capacity"] for s in admin.slots(expert["id"], tuesday)] == [5] * 7
    later = admin.slots(expert["id"], tuesday + timedelta(days=7))
    assert [s["capacity"] for s in later] == [9] * 8


def test_a_template_added_after_publishing_fills_days_that_had_nothing(admin, expert) -> None:
    admin.template(expert["id"], weekday=2)
    publish(admin, days=7)
    admin.template(expert["id"], weekday=3)
    result = publish(admin, days=7)
    assert result["published_days"] == 1
    assert len(admin.slots(expert["id"], next_weekday(3))) == 7


def test_inactive_experts_are_not_published(admin, expert) -> None:
    admin.template(expert["id"], weekday=2)
    admin.patch(f"/api/v1/experts/{expert['id']}", json={"active": False})
    assert publish(admin, days=7)["slots_created"] == 0


@pytest.mark.parametrize("body", [{"days": 0}, {"days": 91}, {"from": "not-a-date"},
                                  {"from": "2001-01-01"}])
def test_bad_publish_requests_are_422(admin, body) -> None:
    assert admin.post("/api/v1/publish", json=body).status_code == 422


def test_slots_need_an_expert_or_a_date(admin) -> None:
    assert admin.get("/api/v1/slots").status_code == 422


# --- leave -------------------------------------------------------------------------------------

def test_leave_for_a_day_cancels_its_slots_with_an_event(app, admin, expert) -> None:
    admin.template(expert["id"], weekday=2)
    admin.template(expert["id"], weekday=2, start="13:30", end="16:30")
    tuesday = next_weekday(2)
    publish(admin, days=through(tuesday))
    response = admin.post(f"/api/v1/experts/{expert['id']}/leave",
                          json={"date": tuesday.isoformat(), "reason": "学术会议"})
    assert response.status_code == 201
    assert len(response.json["cancelled_slot_ids"]) == 13
    assert admin.slots(expert["id"], tuesday) == []
    cancelled = admin.get(f"/api/v1/slots?expert_id={expert['id']}&date={tuesday}"
                          "&include_cancelled=true").json
    assert {s["status"] for s in cancelled} == {"cancelled"}
    assert {s["cancel_reason"] for s in cancelled} == {"学术会议"}
    [event] = events(app, "schedule.slots.cancelled")
    assert event["reason"] == "学术会议" and sorted(event["slot_ids"]) == sorted(
        response.json["cancelled_slot_ids"])
    assert event["expert"]["name"] == "王医生"


def test_leave_for_one_session_cancels_only_that_session(admin, expert) -> None:
    admin.template(expert["id"], weekday=2)
    admin.template(expert["id"], weekday=2, start="13:30", end="16:30")
    tuesday = next_weekday(2)
    publish(admin, days=through(tuesday))
    response = admin.post(f"/api/v1/experts/{expert['id']}/leave", json={
        "date": tuesday.isoformat(), "start": "13:00", "end": "17:00", "reason": "会诊"})
    assert len(response.json["cancelled_slot_ids"]) == 6
    assert [s["start"][11:16] for s in admin.slots(expert["id"], tuesday)][-1] == "11:00"
    assert len(admin.get(f"/api/v1/experts/{expert['id']}/leave").json) == 1


def test_a_partial_leave_cancels_only_the_slots_inside_it_and_says_so(admin, expert) -> None:
    """Away 09:15–10:00: the 09:00–09:30 slot only overlaps the leave and is kept; the
    09:30–10:00 one is inside and is cancelled. The preview says both, changing nothing."""
    admin.template(expert["id"], weekday=2)
    tuesday = next_weekday(2)
    publish(admin, days=through(tuesday))
    window = {"date": tuesday.isoformat(), "start": "09:15", "end": "10:00"}
    preview = admin.get(f"/api/v1/experts/{expert['id']}/leave-preview", query_string=window)
    assert preview.status_code == 200, preview.json
    assert [s["start"][11:16] for s in preview.json["cancelled"]] == ["09:30"]
    assert [s["start"][11:16] for s in preview.json["kept"]] == ["09:00"]
    assert len(admin.slots(expert["id"], tuesday)) == 7, "a preview changes nothing"
    done = admin.post(f"/api/v1/experts/{expert['id']}/leave", json={**window, "reason": "会诊"})
    assert done.json["cancelled_slot_ids"] == [s["slot_id"] for s in preview.json["cancelled"]]
    assert done.json["kept_slot_ids"] == [s["slot_id"] for s in preview.json["kept"]]
    assert "09:00" in [s["start"][11:16] for s in admin.slots(expert["id"], tuesday)]
    bad = admin.get(f"/api/v1/experts/{expert['id']}/leave-preview",
                    query_string={**window, "end": "09:00"})
    assert bad.status_code == 422
    consultant = admin.get(f"/api/v1/experts/{expert['id']}/leave-preview",
                           query_string=window, headers=bearer("consultant"))
    assert consultant.status_code == 403


def test_leave_before_publishing_keeps_those_slots_from_being_made(admin, expert) -> None:
    admin.template(expert["id"], weekday=2)
    tuesday = next_weekday(2)
    response = admin.post(f"/api/v1/experts/{expert['id']}/leave",
                          json={"date": tuesday.isoformat(), "reason": "休假"})
    assert response.status_code == 201 and response.json["cancelled_slot_ids"] == []
    publish(admin, days=through(tuesday))
    assert admin.slots(expert["id"], tuesday) == []


@pytest.mark.parametrize("body, field", [
    ({"reason": "x"}, "date"),
    ({"date": "2001-01-01", "reason": "x"}, "date"),
    ({"date": "TOMORROW", "reason": ""}, "reason"),
    ({"date": "TOMORROW", "reason": "x", "start": "09:00"}, "end"),
    ({"date": "TOMORROW", "reason": "x", "start": "10:00", "end": "09:00"}, "end"),
])
def test_bad_leave_is_422(admin, expert, body, field) -> None:
    if body.get("date") == "TOMORROW":
        body = {**body, "date": (local_today() + timedelta(days=1)).isoformat()}
    response = admin.post(f"/api/v1/experts/{expert['id']}/leave", json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"], response.json


# --- extra sessions ----------------------------------------------------------------------------

def test_an_extra_session_adds_slots_and_publishes_them(app, admin, expert) -> None:
    saturday = next_weekday(6)
    response = admin.post(f"/api/v1/experts/{expert['id']}/extra-sessions", json={
        "date": saturday.isoformat(), "start": "09:00", "end": "11:00", "slot_minutes": 30,
        "capacity_per_slot": 3, "reason": "义诊"})
    assert response.status_code == 201, response.json
    assert len(response.json["slots"]) == 4
    assert len(admin.slots(expert["id"], saturday)) == 4
    [event] = events(app, "schedule.slots.published")
    assert event["origin"] == "extra" and len(event["slots"]) == 4


def test_an_extra_session_may_not_overlap_the_experts_other_sessions(admin, expert) -> None:
    admin.template(expert["id"], weekday=2)
    tuesday = next_weekday(2)
    body = {"date": tuesday.isoformat(), "start": "11:00", "end": "12:00", "slot_minutes": 30,
            "capacity_per_slot": 3}
    url = f"/api/v1/experts/{expert['id']}/extra-sessions"
    assert admin.post(url, json=body).status_code == 422, "overlaps a template not yet published"
    publish(admin, days=through(tuesday))
    assert admin.post(url, json=body).status_code == 422, "overlaps a published slot"
    later = admin.post(url, json={**body, "start": "11:30", "end": "12:30"})
    assert later.status_code == 201
    publish(admin, days=14)
    assert len(admin.slots(expert["id"], tuesday)) == 9


def test_publishing_leaves_out_the_times_an_extra_session_already_holds(admin, expert) -> None:
    """A template added after an extra session on its weekday: publishing makes the
    template's slots around the session, none on top of it (each day's taken times are
    read for the whole range at once)."""
    saturday = next_weekday(6)
    extra = admin.post(f"/api/v1/experts/{expert['id']}/extra-sessions", json={
        "date": saturday.isoformat(), "start": "09:00", "end": "11:00", "slot_minutes": 30,
        "capacity_per_slot": 3})
    assert extra.status_code == 201, extra.json
    assert admin.template(expert["id"], weekday=6, start="08:00", end="11:30").status_code == 201
    publish(admin, days=through(saturday))
    starts = [slot["start"][11:16] for slot in admin.slots(expert["id"], saturday)]
    assert starts == ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00"]


@pytest.mark.parametrize("values, field", [
    ({"date": "2001-01-01"}, "date"),
    ({"start": "12:00", "end": "11:00"}, "end"),
    ({"capacity_per_slot": 0}, "capacity_per_slot"),
    ({"slot_minutes": 45}, "slot_minutes"),
])
def test_bad_extra_sessions_are_422(admin, expert, values, field) -> None:
    body = {"date": next_weekday(6).isoformat(), "start": "09:00", "end": "11:00",
            "slot_minutes": 30, "capacity_per_slot": 3, **values}
    response = admin.post(f"/api/v1/experts/{expert['id']}/extra-sessions", json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"], response.json


def test_an_extra_session_already_over_is_refused_in_the_hospitals_time(
        admin, expert, clock) -> None:
    """The reviewer's 加诊 for today 09:00–10:00 entered at 17:04 was saved, its slots born
    已过: refused on the time with the code the pages word. One under way or ahead is kept."""
    day = next_weekday(6)
    clock.set(datetime.combine(day, time(17, 4), SHANGHAI))
    url = f"/api/v1/experts/{expert['id']}/extra-sessions"
    body = {"date": day.isoformat(), "start": "09:00", "end": "10:00", "slot_minutes": 30,
            "capacity_per_slot": 3}
    over = admin.post(url, json=body)
    assert over.status_code == 422, over.json
    assert over.json["code"] == "session_over"
    assert "start" in over.json["errors"]["json"], over.json
    ended_now = admin.post(url, json={**body, "start": "16:04", "end": "17:04",
                                      "slot_minutes": 30})
    assert ended_now.status_code == 422, "ending at this minute is over too"
    assert admin.slots(expert["id"], day) == []
    under_way = admin.post(url, json={**body, "start": "17:00", "end": "18:00"})
    assert under_way.status_code == 201, under_way.json
    ahead = admin.post(url, json={**body, "start": "19:00", "end": "20:00"})
    assert ahead.status_code == 201, ahead.json
    # the hospital's zone, not UTC: 17:04 in Shanghai is 09:04 UTC, when 09:00–10:00 runs
    assert len(admin.slots(expert["id"], day)) == 4


@pytest.mark.parametrize("role", ["consultant", "frontdesk", "manager"])
def test_only_admins_plan_time(app, auth_header, admin, expert, role) -> None:
    client = app.test_client()
    headers = auth_header(role)
    url = f"/api/v1/experts/{expert['id']}"
    assert client.post(f"{url}/templates", json=template_body(), headers=headers).status_code == 403
    assert client.post(f"{url}/leave", json={"date": str(local_today()), "reason": "x"},
                       headers=headers).status_code == 403
    assert client.post("/api/v1/publish", json={}, headers=headers).status_code == 403
    assert client.get(f"/api/v1/slots?expert_id={expert['id']}&date={local_today()}",
                      headers=headers).status_code == 200
