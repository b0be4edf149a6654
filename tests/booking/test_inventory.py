"""Booking's inventory follows schedule's slot events, on both transports."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from services.booking.models import Expert, Slot
from services.common.service import make_consumer, make_relay
from services.schedule.models import OutboxMessage as ScheduleOutbox
from tests.common.busapp import Running, wait_until
from tests.schedule.conftest import Admin, next_weekday


def inventory(app) -> dict[int, tuple[str, int, int, int]]:
    with app.extensions["clinic"].db.reading() as session:
        return {s.id: (s.status, s.capacity, s.booked, s.held)
                for s in session.scalars(select(Slot))}


def booking_consumer(app):
    from services.booking.handlers import handlers
    from services.booking.models import DeadLetter, InboxRecord

    rt = app.extensions["clinic"]
    return make_consumer(rt, handlers(rt.settings), InboxRecord, DeadLetter).run_until


def test_published_and_cancelled_slots_reach_bookings_inventory(broker, make_app,
                                                                auth_header) -> None:
    booking = make_app("booking", **broker.settings())  # declares its queue first
    schedule = make_app("schedule", **broker.settings())
    admin = Admin(schedule, auth_header("admin"))
    expert = admin.expert(admin.department()["id"])
    admin.template(expert["id"], weekday=2)
    assert admin.post("/api/v1/publish", json={"days": 14}).status_code == 200
    tuesday = next_weekday(2)
    admin.post(f"/api/v1/experts/{expert['id']}/leave",
               json={"date": tuesday.isoformat(), "reason": "会议"})
    active = admin.get(f"/api/v1/slots?expert_id={expert['id']}&date="
                       f"{tuesday + timedelta(days=7)}").json

    with Running(make_relay(schedule.extensions["clinic"], ScheduleOutbox).run,
                 booking_consumer(booking)):
        assert wait_until(lambda: len(inventory(booking)) == 14
                          and sum(v[0] == "cancelled" for v in inventory(booking).values()) == 7)

    slots = inventory(booking)
    for slot in active:
        assert slots[slot["slot_id"]] == ("active", 5, 0, 0)
    with booking.extensions["clinic"].db.reading() as session:
        copy = session.get(Expert, expert["id"])
        assert (copy.name, copy.title, str(copy.fee)) == ("王医生", "主任医师", "50.00")
        assert session.scalar(select(func.count()).select_from(Slot)) == 14


def test_redelivered_or_older_events_change_nothing(make_app) -> None:
    from services.booking import inventory as handlers
    from services.common.events import Event

    app = make_app("booking")
    db = app.extensions["clinic"].db
    department = {"id": 1, "code": "CARD", "name": "心内科", "location": "", "active": True}
    expert = {"id": 7, "code": "E7", "name": "王", "title": "主任医师", "department_id": 1,
              "fee": "50.00", "active": True}
    published = Event(type="schedule.slots.published", source="schedule", data={
        "department": department, "expert": expert, "date": "2026-12-01",
        "time_zone": "Asia/Shanghai", "origin": "template",
        "slots": [{"slot_id": 1, "start": "2026-12-01T00:00:00Z", "end": "2026-12-01T00:30:00Z",
                   "capacity": 5}]})
    for _ in range(2):
        with db.transaction() as session:
            handlers.on_slots_published(session, published)
    renamed = Event(type="schedule.expert.updated", source="schedule",
                    data={**expert, "name": "旧名"},
                    occurred_at=published.occurred_at - timedelta(minutes=1))
    with db.transaction() as session:
        handlers.on_expert_updated(session, renamed)
    assert inventory(app) == {1: ("active", 5, 0, 0)}
    with db.reading() as session:
        assert session.get(Expert, 7).name == "王"
