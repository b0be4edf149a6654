"""Booking's inventory follows schedule's slot events, on both transports."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select

from services.booking.models import Expert, Slot
from services.common.service import make_consumer, make_relay
from services.schedule.models import OutboxMessage as ScheduleOutbox
from tests.support.booking import Inventory, tomorrow
from tests.support.bus import Running, wait_until
from tests.support.schedule import Admin, next_weekday


def inventory(app) -> dict[int, tuple[str, int, int, int]]:
    with app.extensions["clinic"].db.reading() as session:
        return {s.id: (s.status, s.capacity, s.booked, s.held)
                for s in session.scalars(select(Slot))}


def booking_consumer(app):
    from services.booking.handlers import handlers
    from services.booking.models import DeadLetter, InboxRecord

    rt = app.extensions["clinic"]
    return make_consumer(rt, handlers(rt), InboxRecord, DeadLetter).run_until


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
    app = make_app("booking")
    inv = Inventory(app)
    published = inv.published(tomorrow(), time(8), count=1, expert_id=7)
    occurred = datetime.now(UTC)
    for _ in range(2):
        inv.apply(published, occurred_at=occurred)
    renamed = dataclasses.replace(published.expert, name="旧名")
    inv.apply(renamed, occurred_at=occurred - timedelta(minutes=1))
    [slot] = published.slots
    assert inventory(app) == {slot.slot_id: ("active", 5, 0, 0)}
    with app.extensions["clinic"].db.reading() as session:
        assert session.get(Expert, 7).name == "王建国"
