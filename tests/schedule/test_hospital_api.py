"""``/hospital``: read by all staff, changed by admins, told to the others by event."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import select

from services.schedule.models import OutboxMessage

FACTS = {"name": "协和医院", "address": "北京市东城区帅府园 1 号", "directions": "东单站 A 口",
         "phone": "010-6915 6114", "time_zone": "Asia/Shanghai", "language": "zh-CN"}


@pytest.fixture
def app(make_app) -> Flask:
    return make_app("schedule")


def test_hospital_is_404_until_entered(app: Flask, auth_header) -> None:
    response = app.test_client().get("/api/v1/hospital", headers=auth_header("frontdesk"))
    assert response.status_code == 404


def test_admin_sets_the_facts_and_an_event_carries_them(app: Flask, auth_header) -> None:
    client = app.test_client()
    response = client.put("/api/v1/hospital", json=FACTS, headers=auth_header("admin"))
    assert response.status_code == 200
    assert {k: response.json[k] for k in FACTS} == FACTS
    read = client.get("/api/v1/hospital", headers=auth_header("consultant"))
    assert read.json["name"] == "协和医院"
    with app.extensions["clinic"].db.reading() as session:
        [row] = session.scalars(select(OutboxMessage)).all()
    envelope = json.loads(row.body)
    assert envelope["type"] == "schedule.hospital.updated"
    assert envelope["source"] == "schedule"
    assert envelope["data"] == FACTS


@pytest.mark.parametrize("role", ["consultant", "frontdesk", "manager"])
def test_only_admins_change_the_facts(app: Flask, auth_header, role: str) -> None:
    response = app.test_client().put("/api/v1/hospital", json=FACTS, headers=auth_header(role))
    assert response.status_code == 403


@pytest.mark.parametrize("change, field", [
    ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ({"name": ""}, "name"),
    ({"language": "fr"}, "language"),
    ({"name": 42}, "name"),
])
def test_bad_facts_are_422_naming_the_field(app: Flask, auth_header, change, field) -> None:
    response = app.test_client().put("/api/v1/hospital", json={**FACTS, **change},
                                     headers=auth_header("admin"))
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]


def test_a_failed_change_emits_no_event(app: Flask, auth_header) -> None:
    app.test_client().put("/api/v1/hospital", json={**FACTS, "time_zone": "Nowhere/City"},
                          headers=auth_header("admin"))
    with app.extensions["clinic"].db.reading() as session:
        assert session.scalars(select(OutboxMessage)).all() == []


def test_a_new_time_zone_holds_from_the_next_request(app: Flask, auth_header) -> None:
    """The hospital's facts are kept a few seconds per process; saving them must forget
    that copy, or the next slots were shown (and the admin page's week began) in the old
    zone for those seconds."""
    from tests.support.schedule import Admin

    admin = Admin(app, auth_header("admin"))
    expert = admin.expert(admin.department()["id"])
    admin.template(expert["id"], weekday=1, start="09:00", end="10:00", valid_from="2030-01-01")
    assert admin.post("/api/v1/publish", json={"from": "2030-01-07", "days": 1}).status_code == 200
    assert admin.slots(expert["id"], "2030-01-07")[0]["start"].endswith("+08:00")  # kept now
    moved = {**FACTS, "time_zone": "America/New_York"}
    assert admin.put("/api/v1/hospital", json=moved).status_code == 200
    assert admin.slots(expert["id"], "2030-01-07")[0]["start"].endswith("-05:00")
