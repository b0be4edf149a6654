"""Each consumer handles the payloads its producers really make.

The payloads here are built by the producers' own code (schedule's and booking's
API, through to their outbox rows), never written by hand, and handed to the
consumers' real handlers. A producer that renames or drops a field a consumer
reads fails here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from services.booking.handlers import EVENT_TYPES as BOOKING_BINDS
from services.booking.models import DeadLetter as BookingDeadLetter
from services.booking.models import InboxRecord as BookingInbox
from services.booking.models import OutboxMessage as BookingOutbox
from services.booking.models import Slot
from services.common.contracts import ContractError
from services.common.contracts.booking import AppointmentBooked, AppointmentCheckedIn
from services.common.events import Event
from services.common.service import make_consumer
from services.notify.handlers import EVENT_TYPES as NOTIFY_BINDS
from services.notify.models import DeadLetter as NotifyDeadLetter
from services.notify.models import InboxRecord as NotifyInbox
from services.notify.models import Message
from services.schedule.models import OutboxMessage as ScheduleOutbox
from tests.support.booking import PHONES, Staff, bearer
from tests.support.schedule import Admin, next_weekday


def produced(app: Flask, outbox: Any) -> list[Event]:
    """What a producer's relay would publish: its outbox rows, in order."""
    with app.extensions["clinic"].db.reading() as session:
        return [Event.from_json(row.body)
                for row in session.scalars(select(outbox).order_by(outbox.id))]


def hand_over(app: Flask, inbox: Any, dead_letters: Any, events: Iterable[Event]) -> None:
    """Through the consumer's own inbox and handlers, as its worker does."""
    from services.booking.handlers import handlers as booking_handlers
    from services.notify.handlers import handlers as notify_handlers

    rt = app.extensions["clinic"]
    bound = (booking_handlers if rt.settings.SERVICE == "booking" else notify_handlers)(rt)
    consumer = make_consumer(rt, bound, inbox, dead_letters)
    for event in events:
        if event.type in bound:
            consumer.handle(event)


@pytest.fixture
def schedule_events(make_app, auth_header) -> list[Event]:
    """Every kind of event schedule makes, made by schedule."""
    schedule = make_app("schedule")
    admin = Admin(schedule, auth_header("admin"))
    hospital = {"name": "仁和医院", "address": "示范路 100 号", "directions": "地铁 2 号线",
                "phone": "021-5555 0100", "time_zone": "Asia/Shanghai", "language": "zh-CN"}
    assert admin.put("/api/v1/hospital", json=hospital).status_code == 200
    department = admin.department()
    expert = admin.expert(department["id"])
    admin.template(expert["id"], weekday=next_weekday(2).isoweekday())
    # From next Tuesday: the first bookings fall on the day the leave takes, and the visit
    # day a week later, whatever weekday the tests run on.
    assert admin.post("/api/v1/publish", json={"from": next_weekday(2).isoformat(),
                                               "days": 14}).status_code == 200
    assert admin.patch(f"/api/v1/experts/{expert['id']}", json={"title": "教授"}).status_code \
        == 200
    assert admin.patch(f"/api/v1/departments/{department['id']}",
                       json={"location": "门诊楼 3 楼"}).status_code == 200
    assert admin.post("/api/v1/staff", json={"username": "zhou", "roles": ["consultant"],
                                             "password": "a-password"}).status_code == 201
    assert admin.post("/api/v1/staff/zhou/password", json={"password": "another-one"}) \
        .status_code == 204
    leave = admin.post(f"/api/v1/experts/{expert['id']}/leave",
                       json={"date": next_weekday(2).isoformat(), "reason": "学术会议"})
    assert leave.status_code == 201 and leave.json["cancelled_slot_ids"]
    return produced(schedule, ScheduleOutbox)


def test_schedule_makes_every_event_booking_binds(schedule_events) -> None:
    assert {event.type for event in schedule_events} >= set(BOOKING_BINDS)


def test_booking_takes_schedules_events(make_app, schedule_events) -> None:
    booking = make_app("booking")
    hand_over(booking, BookingInbox, BookingDeadLetter, schedule_events)
    with booking.extensions["clinic"].db.reading() as session:
        assert session.scalar(select(func.count()).select_from(BookingDeadLetter)) == 0
        statuses = dict(session.execute(select(Slot.status, func.count())
                                        .group_by(Slot.status)).all())
    assert statuses["active"] > 0 and statuses["cancelled"] > 0


def test_notify_takes_schedules_hospital(make_app, schedule_events) -> None:
    notify = make_app("notify")
    hand_over(notify, NotifyInbox, NotifyDeadLetter, schedule_events)
    from services.notify.models import Hospital

    with notify.extensions["clinic"].db.reading() as session:
        assert session.get(Hospital, 1).name == "仁和医院"


@pytest.fixture
def booking_events(make_app, schedule_events, clock) -> list[Event]:
    """Every kind of appointment event booking makes, made by booking."""
    booking = make_app("booking")
    hand_over(booking, BookingInbox, BookingDeadLetter,
              [e for e in schedule_events if e.type != "schedule.slots.cancelled"])
    consultant = Staff(booking, bearer("consultant", "li"))
    with booking.extensions["clinic"].db.reading() as session:
        first, second = session.scalars(select(Slot.id).order_by(Slot.start_at).limit(2)).all()
    kept = consultant.book(first, phone=PHONES[0])
    assert kept.status_code == 201
    assert consultant.post(f"/api/v1/appointments/{kept.json['id']}/resend").status_code == 200
    moved = consultant.book(first, phone=PHONES[1]).json
    cancelled = consultant.book(first, phone=PHONES[2]).json
    assert consultant.post(f"/api/v1/appointments/{moved['id']}/reschedule",
                           json={"slot_id": second}).status_code == 200
    assert consultant.post(f"/api/v1/appointments/{cancelled['id']}/cancel",
                           json={"reason": "patient"}).status_code == 200
    forgotten = consultant.book(second, phone=PHONES[3]).json
    hand_over(booking, BookingInbox, BookingDeadLetter,
              [e for e in schedule_events if e.type == "schedule.slots.cancelled"])
    admin = Staff(booking, bearer("admin", "root"))
    assert admin.post(f"/api/v1/patients/{forgotten['patient']['id']}/erase",
                      json={"reason": "本人要求"}).status_code == 200
    visit_day(booking, consultant, clock)
    return produced(booking, BookingOutbox)


def visit_day(booking: Flask, consultant: Staff, clock: Any) -> None:
    """On a later visit day: one patient arrives (a check-in undone and done again), one
    does not come (a no-show undone and marked again); the first one's visit is completed."""
    with booking.extensions["clinic"].db.reading() as session:
        slot = session.scalars(select(Slot).where(Slot.status == "active")
                               .order_by(Slot.start_at)).first()
    clock.set(slot.start_at - timedelta(days=1))  # released, whatever the hour now
    came = consultant.book(slot.id, phone=PHONES[4], patient={
        "name": "张三", "phone": PHONES[4], "satisfaction_consent": True}).json
    missed = consultant.book(slot.id, phone=PHONES[0]).json
    assert "id" in came and "id" in missed, (came, missed)
    clock.set(slot.start_at + timedelta(minutes=5))
    desk = Staff(booking, bearer("frontdesk", "qian"))
    for appointment, action, undo in ((came, "check-in", "undo-check-in"),
                                      (missed, "no-show", "undo-no-show")):
        path = f"/api/v1/appointments/{appointment['id']}"
        assert desk.post(f"{path}/{action}", json={}).status_code == 200
        assert desk.post(f"{path}/{undo}", json={"reason": "点错了"}).status_code == 200
        assert desk.post(f"{path}/{action}", json={}).status_code == 200
    assert desk.post(f"/api/v1/appointments/{came['id']}/complete", json={}).status_code == 200


def test_notify_takes_bookings_events(make_app, booking_events, schedule_events) -> None:
    types = {event.type for event in booking_events}
    assert set(NOTIFY_BINDS) - {"schedule.hospital.updated", "schedule.staff.changed"} <= types
    notify = make_app("notify")
    hand_over(notify, NotifyInbox, NotifyDeadLetter, [*schedule_events, *booking_events])
    with notify.extensions["clinic"].db.reading() as session:
        assert session.scalar(select(func.count()).select_from(NotifyDeadLetter)) == 0
        templates = set(session.scalars(select(Message.template)))
    assert {"confirmation", "reschedule", "cancellation"} <= templates


def test_a_renamed_field_is_refused_at_the_consumers_door(booking_events) -> None:
    booked = next(e for e in booking_events if e.type == AppointmentBooked.TYPE)
    slot = {**booked.data["slot"]}
    slot["begins"] = slot.pop("start")
    renamed = dataclasses.replace(booked, data={**booked.data, "slot": slot})
    with pytest.raises(ContractError, match=r"slot\.start"):
        AppointmentBooked.from_event(renamed)


def test_followup_takes_bookings_and_schedules_events(make_app, booking_events,
                                                      schedule_events) -> None:
    """Followup's handlers take what booking and schedule really publish: the hospital's
    facts for the call card, departments for the form, a task per patient the hospital
    cancelled, and the erased patient forgotten."""
    from services.followup.handlers import EVENT_TYPES as FOLLOWUP_BINDS
    from services.followup.handlers import handlers as followup_handlers
    from services.followup.models import DeadLetter, Department, Hospital, InboxRecord, Task

    types = {event.type for event in [*schedule_events, *booking_events]}
    assert set(FOLLOWUP_BINDS) <= types
    followup = make_app("followup")
    rt = followup.extensions["clinic"]
    consumer = make_consumer(rt, followup_handlers(rt), InboxRecord, DeadLetter)
    for event in [*schedule_events, *booking_events]:
        if event.type in FOLLOWUP_BINDS:
            consumer.handle(event)
    cancelled_by_hospital = [e for e in booking_events
                             if e.type == "booking.appointment.cancelled"
                             and e.data["cancellation"]["reason"] == "expert_unavailable"
                             and e.data["patient"]["phone"]]  # not the erased patient's
    with rt.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(DeadLetter)) == 0
        assert session.get(Hospital, 1).address == "示范路 100 号"
        assert session.scalar(select(func.count()).select_from(Department)) == 1
        tasks = session.scalars(select(Task)).all()
    assert cancelled_by_hospital, "the leave cancelled booked patients"
    assert sorted(t.appointment_id for t in tasks if t.kind == "hospital_cancelled") == sorted(
        e.data["appointment_id"] for e in cancelled_by_hospital)
    no_show = next(e for e in booking_events if e.type == "booking.appointment.no_show")
    assert [(t.appointment_id, t.status) for t in tasks if t.kind == "no_show"] == [
        (no_show.data["appointment_id"], "open")]  # withdrawn by the undo, open again
    came = next(e for e in booking_events if e.type == "booking.appointment.checked_in")
    assert came.data["patient"]["satisfaction_consent"] is True
    assert [(t.appointment_id, t.status) for t in tasks if t.kind == "satisfaction"] == [
        (came.data["appointment_id"], "open")]  # the consent given at booking; undone, done


def test_an_event_from_before_the_satisfaction_consent_still_parses(booking_events) -> None:
    """Events published before ``satisfaction_consent`` existed (still in a queue, or
    replayed from the dead letters) read as no consent: nobody is called."""
    came = next(e for e in booking_events if e.type == AppointmentCheckedIn.TYPE)
    patient = {k: v for k, v in came.data["patient"].items() if k != "satisfaction_consent"}
    older = dataclasses.replace(came, data={**came.data, "patient": patient})
    assert AppointmentCheckedIn.from_event(older).patient.satisfaction_consent is False
