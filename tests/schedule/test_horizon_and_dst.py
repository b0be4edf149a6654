"""The worker's rolling horizon, and a hospital in a zone with daylight saving time."""

from __future__ import annotations

from datetime import timedelta

from services.schedule.worker import build_loops, publish_horizon
from tests.support.schedule import local_today

NEW_YORK_FACTS = {"name": "Mercy", "address": "1 Main St", "directions": "", "phone": "",
                  "time_zone": "America/New_York", "language": "en"}


def test_the_worker_publishes_the_rolling_horizon_by_itself(app, admin) -> None:
    expert = admin.expert(admin.department()["id"])
    for weekday in range(1, 8):
        admin.template(expert["id"], weekday=weekday)
    rt = app.extensions["clinic"]
    assert "schedule-horizon" in build_loops(rt)
    first = publish_horizon(rt)
    assert first.days == rt.settings.publish_horizon_days == 14
    assert publish_horizon(rt).days == 0, "a second round changes nothing"
    last = local_today() + timedelta(days=13)
    assert len(admin.slots(expert["id"], last)) == 7
    assert admin.slots(expert["id"], last + timedelta(days=1)) == []


def local_times(slots):
    return [(s["start"][11:16], s["start"][19:]) for s in slots]


def test_dst_change_days_lose_and_double_no_slot(admin) -> None:
    assert admin.put("/api/v1/hospital", json=NEW_YORK_FACTS).status_code == 200
    expert = admin.expert(admin.department()["id"])
    # Sunday sessions across the change hour; 2027-03-14 springs forward, 2027-11-07 falls back
    admin.template(expert["id"], weekday=7, start="01:00", end="04:00",
                   valid_from="2027-03-01")
    response = admin.post("/api/v1/publish", json={"from": "2027-03-14", "days": 1})
    assert response.json["slots_created"] == 4
    assert local_times(admin.slots(expert["id"], "2027-03-14")) == [
        ("01:00", "-05:00"), ("01:30", "-05:00"), ("03:00", "-04:00"), ("03:30", "-04:00")]

    extra = admin.post(f"/api/v1/experts/{expert['id']}/extra-sessions", json={
        "date": "2027-11-06", "start": "09:00", "end": "10:00", "slot_minutes": 30,
        "capacity_per_slot": 2})
    assert extra.status_code == 201
    fall = admin.post(f"/api/v1/experts/{expert['id']}/extra-sessions", json={
        "date": "2027-11-07", "start": "00:00", "end": "03:00", "slot_minutes": 30,
        "capacity_per_slot": 2})
    assert fall.status_code == 422, "overlaps the Sunday template session 01:00-04:00"
    fall = admin.post(f"/api/v1/experts/{expert['id']}/extra-sessions", json={
        "date": "2027-11-07", "start": "05:00", "end": "07:00", "slot_minutes": 30,
        "capacity_per_slot": 2})
    assert fall.status_code == 201 and len(fall.json["slots"]) == 4
    published = admin.post("/api/v1/publish", json={"from": "2027-11-07", "days": 1})
    assert published.json["slots_created"] == 8, "01:00-04:00 lasts four real hours that day"
    times = local_times(admin.slots(expert["id"], "2027-11-07"))
    assert times[:4] == [("01:00", "-04:00"), ("01:30", "-04:00"),
                         ("01:00", "-05:00"), ("01:30", "-05:00")]
    assert len(times) == 12 and len(set(times)) == 12
