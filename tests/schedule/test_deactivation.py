"""Issue 27 items 5 and 6: deactivating an expert works like 停诊, and the leave preview
says whose leave it is and when.

Deactivation cancels the expert's slots not yet over through leave's own path (a leave
per day, ``schedule.slots.cancelled``), so booking cancels the appointments as
``expert_unavailable`` and followup opens ``hospital_cancelled`` tasks; the last test
follows one booked patient through the real handlers of all three services.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from services.common.events import Event
from services.common.service import make_consumer
from services.schedule.models import OutboxMessage as ScheduleOutbox
from tests.support.booking import PHONES, SHANGHAI, Staff, bearer
from tests.support.followup import Caller
from tests.support.schedule import Admin, local_today, next_weekday


def outbox(app: Flask, model: Any = ScheduleOutbox) -> list[Event]:
    with app.extensions["clinic"].db.reading() as session:
        return [Event.from_json(row.body)
                for row in session.scalars(select(model).order_by(model.id))]


def events(app: Flask, event_type: str) -> list[dict]:
    return [e.data for e in outbox(app) if e.type == event_type]


def publish(admin: Admin, days: int = 14) -> None:
    response = admin.post("/api/v1/publish", json={"days": days})
    assert response.status_code == 200, response.json


@pytest.fixture
def department(admin: Admin) -> dict:
    return admin.department()


@pytest.fixture
def expert(admin: Admin, department: dict) -> dict:
    """An expert with two weekly sessions (Tuesday and Thursday mornings), published."""
    made = admin.expert(department["id"])
    for weekday in (2, 4):
        assert admin.template(made["id"], weekday=weekday).status_code == 201
    publish(admin)
    return made


def listed_slots(admin: Admin, expert_id: int) -> list[dict]:
    """The expert's slots the timetable lists, today and the next two weeks."""
    days = [local_today() + timedelta(days=n) for n in range(15)]
    return [s for day in days for s in admin.slots(expert_id, day)]


def active_slots(admin: Admin, expert_id: int) -> list[dict]:
    """The listed slots not yet over: what deactivation cancels. A run on one of the
    expert's mornings (CI at 08:42 in Shanghai) finds today's first slots over; they stay."""
    now = datetime.now(SHANGHAI)
    return [s for s in listed_slots(admin, expert_id)
            if datetime.fromisoformat(s["end"]) > now]


def test_the_deactivation_preview_lists_every_future_slot_by_day_and_changes_nothing(
        admin, expert) -> None:
    assert len(listed_slots(admin, expert["id"])) == 28, "two mornings of seven slots, two weeks"
    slots = active_slots(admin, expert["id"])
    preview = admin.get(f"/api/v1/experts/{expert['id']}/deactivation-preview")
    assert preview.status_code == 200, preview.json
    body = preview.json
    assert body["expert"] == {"id": expert["id"], "name": "王医生", "title": "主任医师",
                              "department_name": "心内科", "active": True}
    assert [s["slot_id"] for s in body["cancelled"]] == [s["slot_id"] for s in slots]
    assert body["places"] == len(slots) * 5
    days = sorted({s["date"] for s in slots})
    assert [d["date"] for d in body["days"]] == days
    per_day = [sum(s["date"] == day for s in slots) for day in days]
    assert [(d["slots"], d["places"]) for d in body["days"]] == [(n, n * 5) for n in per_day]
    assert per_day[1:] == [7] * (len(days) - 1), "every later morning whole"
    assert {tuple(d["sessions"]) for d in body["days"]} == {("08:00-11:30",)}
    assert active_slots(admin, expert["id"]) == slots, "a preview changes nothing"
    assert admin.get(f"/api/v1/experts/{expert['id']}").json["active"] is True
    consultant = admin.get(f"/api/v1/experts/{expert['id']}/deactivation-preview",
                           headers=bearer("consultant"))
    assert consultant.status_code == 403


def test_deactivating_cancels_every_future_slot_as_leave_does(app, admin, expert) -> None:
    """Before: the expert was only marked inactive; his published slots stayed on sale to
    the roster and his patients heard nothing."""
    slots = active_slots(admin, expert["id"])
    response = admin.post(f"/api/v1/experts/{expert['id']}/deactivation",
                          json={"reason": "王医生调离本院"})
    assert response.status_code == 200, response.json
    assert response.json["expert"]["active"] is False
    assert sorted(response.json["cancelled_slot_ids"]) == sorted(s["slot_id"] for s in slots)
    assert active_slots(admin, expert["id"]) == [], "nothing left on sale"
    days = sorted({s["date"] for s in slots})
    leaves = admin.get(f"/api/v1/experts/{expert['id']}/leave").json
    assert [(leave["date"], leave["start"], leave["end"], leave["reason"])
            for leave in leaves] == [leave_of(day, slots, response.json["cancelled_slot_ids"])
                                     for day in days]
    assert sorted(response.json["leave_ids"]) == sorted(leave["id"] for leave in leaves)
    cancelled = events(app, "schedule.slots.cancelled")
    assert [e["date"] for e in cancelled] == days, "one event per day, as a leave sends"
    assert {e["reason"] for e in cancelled} == {"王医生调离本院"}
    assert sorted(i for e in cancelled for i in e["slot_ids"]) == sorted(
        response.json["cancelled_slot_ids"])
    # booking learns the expert is inactive before the first cancellation, so it offers
    # his patients none of his later slots (cancelled a moment later)
    order = [(e.type, e.data.get("active")) for e in outbox(app)
             if e.type in ("schedule.expert.updated", "schedule.slots.cancelled")]
    assert order[-len(days) - 1] == ("schedule.expert.updated", False)
    assert admin.get(f"/api/v1/experts/{expert['id']}/deactivation-preview").json[
        "cancelled"] == []
    publish(admin)
    assert active_slots(admin, expert["id"]) == [], "an inactive expert is not published"
    again = admin.post(f"/api/v1/experts/{expert['id']}/deactivation", json={"reason": "x"})
    assert again.status_code == 200 and again.json["cancelled_slot_ids"] == []


def leave_of(day: str, slots: list[dict], cancelled: list[int]) -> tuple:
    """The leave deactivation writes for ``day``: the whole day from tomorrow on; today
    (a run on one of the expert's mornings before it ends) from its first slot cancelled
    to the end of the last, its earlier slots being over."""
    if day != local_today().isoformat():
        return (day, None, None, "王医生调离本院")
    of_today = [s for s in slots if s["date"] == day and s["slot_id"] in cancelled]
    return (day, min(s["start"] for s in of_today)[11:16], max(s["end"] for s in of_today)[11:16],
            "王医生调离本院")


def test_patch_active_false_takes_the_same_path(app, admin, expert) -> None:
    """The API has no way left to deactivate an expert silently."""
    slots = active_slots(admin, expert["id"])
    response = admin.patch(f"/api/v1/experts/{expert['id']}", json={"active": False})
    assert response.status_code == 200 and response.json["active"] is False
    assert active_slots(admin, expert["id"]) == []
    cancelled = events(app, "schedule.slots.cancelled")
    assert sorted(i for e in cancelled for i in e["slot_ids"]) == sorted(
        s["slot_id"] for s in slots)
    assert {e["reason"] for e in cancelled} == {"专家停诊"}, "the default reason"
    back = admin.patch(f"/api/v1/experts/{expert['id']}", json={"active": True})
    assert back.json["active"] is True
    assert active_slots(admin, expert["id"]) == [], "cancelled days stay cancelled"


def test_today_only_the_slots_not_yet_over_are_cancelled(app, admin, department,
                                                         clock) -> None:
    """At 09:10 the 08:00 and 08:30 slots are over and stay as they were (their patients
    came or did not); the 09:00 one is under way and is cancelled with the later ones."""
    today = local_today()
    clock.set(datetime.combine(today, time(9, 10), tzinfo=SHANGHAI))
    made = admin.expert(department["id"])
    assert admin.template(made["id"], weekday=today.isoweekday(),
                          valid_from=today.isoformat()).status_code == 201
    publish(admin, days=1)
    preview = admin.get(f"/api/v1/experts/{made['id']}/deactivation-preview").json
    assert [s["start"][11:16] for s in preview["cancelled"]] == [
        "09:00", "09:30", "10:00", "10:30", "11:00"]
    done = admin.post(f"/api/v1/experts/{made['id']}/deactivation", json={"reason": "调离"})
    assert len(done.json["cancelled_slot_ids"]) == 5
    kept = admin.slots(made["id"], today)
    assert [s["start"][11:16] for s in kept] == ["08:00", "08:30"]
    [leave] = admin.get(f"/api/v1/experts/{made['id']}/leave").json
    assert (leave["date"], leave["start"], leave["end"]) == (today.isoformat(), "09:00", "11:30")


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x" * 401}])
def test_a_deactivation_needs_a_reason(admin, expert, body) -> None:
    response = admin.post(f"/api/v1/experts/{expert['id']}/deactivation", json=body)
    assert response.status_code == 422
    assert "reason" in response.json["errors"]["json"]
    assert admin.get(f"/api/v1/experts/{expert['id']}").json["active"] is True


def test_only_admins_deactivate(admin, expert) -> None:
    for role in ("consultant", "frontdesk", "manager"):
        response = admin.post(f"/api/v1/experts/{expert['id']}/deactivation",
                              json={"reason": "x"}, headers=bearer(role))
        assert response.status_code == 403


def test_the_leave_preview_names_the_expert_and_the_time(admin, expert) -> None:
    """Item 6: the preview said how many, never whose leave or when."""
    tuesday = next_weekday(2)
    preview = admin.get(f"/api/v1/experts/{expert['id']}/leave-preview",
                        query_string={"date": tuesday.isoformat(), "start": "09:00",
                                      "end": "10:00"}).json
    assert preview["expert"]["name"] == "王医生" and preview["expert"]["title"] == "主任医师"
    assert (preview["date"], preview["start"], preview["end"]) == (
        tuesday.isoformat(), "09:00", "10:00")
    whole = admin.get(f"/api/v1/experts/{expert['id']}/leave-preview",
                      query_string={"date": tuesday.isoformat()}).json
    assert (whole["start"], whole["end"]) == (None, None)
    assert len(whole["cancelled"]) == 7


# --- through booking and followup ---------------------------------------------------------------

class Bus:
    """Hands each service's new outbox events to the consumers bound to them, through
    their real inbox consumers and handlers, as the workers do."""

    def __init__(self, schedule: Flask, booking: Flask, followup: Flask) -> None:
        from services.booking.handlers import handlers as booking_handlers
        from services.booking.models import DeadLetter as BookingDead
        from services.booking.models import InboxRecord as BookingInbox
        from services.booking.models import OutboxMessage as BookingOutbox
        from services.followup.handlers import handlers as followup_handlers
        from services.followup.models import DeadLetter as FollowupDead
        from services.followup.models import InboxRecord as FollowupInbox

        rt_b, rt_f = booking.extensions["clinic"], followup.extensions["clinic"]
        self.consumers = [make_consumer(rt_b, booking_handlers(rt_b), BookingInbox,
                                        BookingDead),
                          make_consumer(rt_f, followup_handlers(rt_f), FollowupInbox,
                                        FollowupDead)]
        self.sources = [(schedule, ScheduleOutbox), (booking, BookingOutbox)]
        self.seen: set[str] = set()

    def deliver(self) -> None:
        """Until nothing new is produced: booking's answers to schedule's events too."""
        while True:
            fresh = [e for app, model in self.sources for e in outbox(app, model)
                     if e.id not in self.seen]
            if not fresh:
                return
            for event in fresh:
                self.seen.add(event.id)
                for consumer in self.consumers:
                    if event.type in consumer.handlers:
                        consumer.handle(event)


def test_deactivating_an_expert_cancels_his_booked_patient_as_a_leave_would(
        make_app, auth_header, app, admin, department) -> None:
    """A booked patient of a deactivated expert: the appointment ends cancelled as
    ``expert_unavailable`` with places of another expert offered (none of his), the
    follow-up desk gets a ``hospital_cancelled`` task, and booking's roster counts no
    free place of his, as the console shows none."""
    booking, followup = make_app("booking"), make_app("followup")
    bus = Bus(app, booking, followup)
    tuesday = next_weekday(2)
    wang = admin.expert(department["id"], "E1", "王医生")
    li = admin.expert(department["id"], "E2", "李医生")
    for made in (wang, li):
        assert admin.template(made["id"], weekday=2).status_code == 201
    publish(admin)
    bus.deliver()
    consultant = Staff(booking, bearer("consultant", "chen"))
    [first] = admin.slots(wang["id"], tuesday)[:1]
    booked = consultant.book(first["slot_id"], phone=PHONES[0])
    assert booked.status_code == 201, booked.json

    preview = admin.get(f"/api/v1/experts/{wang['id']}/deactivation-preview").json
    ids = [s["slot_id"] for s in preview["cancelled"]]
    found = consultant.get("/api/v1/appointments", query_string={
        "status": "booked", "slot_id": ids, "limit": 200}).json
    assert [a["id"] for a in found] == [booked.json["id"]], "the page's patient list"

    done = admin.post(f"/api/v1/experts/{wang['id']}/deactivation", json={"reason": "调离本院"})
    assert done.status_code == 200, done.json
    bus.deliver()

    after = consultant.get(f"/api/v1/appointments/{booked.json['id']}").json
    assert after["status"] == "cancelled" and after["cancel_reason"] == "expert_unavailable"
    [cancelled] = [e.data for e in outbox(booking, _booking_outbox())
                   if e.type == "booking.appointment.cancelled"]
    offered = cancelled["cancellation"]["alternatives"]
    assert offered and {o["expert_id"] for o in offered} == {li["id"]}, \
        "no place of the deactivated expert is offered"
    assert cancelled["cancellation"]["note"] == "调离本院"
    tasks = Caller(followup).tasks()
    assert [(t["kind"], t["context"]["reason"]) for t in tasks] == [
        ("hospital_cancelled", "expert_unavailable")]

    frontdesk = Staff(booking, bearer("frontdesk", "liu"))
    roster = frontdesk.get("/api/v1/roster", query_string={"date": tuesday.isoformat()}).json
    free = {block["expert"]["name"]: sum(s["counts"]["remaining"] for s in block["sessions"])
            for block in roster["experts"]}
    console = consultant.get("/api/v1/availability", query_string={
        "department_id": department["id"], "date": tuesday.isoformat(), "days": 1}).json
    shown = {e["name"]: e["remaining"] for e in console["experts"]}
    assert free == {"王医生": 0, "李医生": 35}
    assert shown == free, "the console and the roster agree: he shows, as 停诊, no place"


def _booking_outbox() -> Any:
    from services.booking.models import OutboxMessage

    return OutboxMessage

