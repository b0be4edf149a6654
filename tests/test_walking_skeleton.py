"""One real event crosses the bus: schedule's hospital facts reach booking and notify."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest

from services.booking.models import Hospital as BookingHospital
from services.common.events import Event
from services.common.service import make_consumer, make_relay
from services.notify.models import Hospital as NotifyHospital
from services.schedule.models import OutboxMessage as ScheduleOutbox
from tests.support.bus import Running, wait_until

FACTS = {"name": "华山医院", "address": "上海市乌鲁木齐中路 12 号", "directions": "静安寺站",
         "phone": "021-5288 9999", "time_zone": "Asia/Shanghai", "language": "zh-CN"}


def consumer_loop(app, service: str):
    """The consumer a service's worker runs, for an app built in this test."""
    handlers = importlib.import_module(f"services.{service}.handlers")
    models = importlib.import_module(f"services.{service}.models")
    rt = app.extensions["clinic"]
    consumer = make_consumer(rt, handlers.handlers(rt), models.InboxRecord,
                             models.DeadLetter)
    return consumer.run_until


def copy_of(app, model):
    with app.extensions["clinic"].db.reading() as session:
        row = session.get(model, 1)
        return None if row is None else {k: getattr(row, k) for k in FACTS}


def test_hospital_facts_reach_booking_and_notify(broker, database_url, make_app,
                                                 auth_header) -> None:
    schedule = make_app("schedule", database_url=database_url, **broker.settings())
    # booking and notify keep their own SQLite files; the database under test is schedule's
    booking = make_app("booking", **broker.settings())
    notify = make_app("notify", **broker.settings())
    # Published before any consumer runs: the queues declared when booking and
    # notify booted keep the event until their workers start.
    response = schedule.test_client().put("/api/v1/hospital", json=FACTS,
                                          headers=auth_header("admin"))
    assert response.status_code == 200
    assert make_relay(schedule.extensions["clinic"], ScheduleOutbox).drain() == 1
    loops = [consumer_loop(booking, "booking"), consumer_loop(notify, "notify"),
             make_relay(schedule.extensions["clinic"], ScheduleOutbox).run]
    with Running(*loops):
        assert wait_until(lambda: copy_of(booking, BookingHospital) == FACTS)
        assert wait_until(lambda: copy_of(notify, NotifyHospital) == FACTS)

        changed = {**FACTS, "phone": "021-5288 0000"}
        schedule.test_client().put("/api/v1/hospital", json=changed, headers=auth_header("admin"))
        assert wait_until(lambda: copy_of(notify, NotifyHospital) == changed)


@pytest.mark.parametrize("service", ["booking", "notify"])
def test_an_older_hospital_event_never_overwrites_a_newer_one(service: str, make_app) -> None:
    app = make_app(service)
    handlers = importlib.import_module(f"services.{service}.handlers")
    models = importlib.import_module(f"services.{service}.models")
    newer = Event(type="schedule.hospital.updated", data=FACTS, source="schedule")
    older = Event(type="schedule.hospital.updated", data={**FACTS, "name": "旧名字"},
                  source="schedule", occurred_at=newer.occurred_at - timedelta(minutes=5))
    rt = app.extensions["clinic"]
    keep = handlers.HANDLERS.bind(rt)["schedule.hospital.updated"]
    for event in (newer, older):
        with rt.db.transaction() as session:
            keep(session, event)
    assert copy_of(app, models.Hospital)["name"] == "华山医院"
