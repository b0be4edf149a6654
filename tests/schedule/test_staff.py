"""Staff accounts (SPEC §11): reset, new roles and deactivation end the old tokens in
every service; sign-in is throttled; production wants long passwords."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from services.common.events import Event
from services.schedule.models import OutboxMessage
from tests.support.booking import Inventory

OLD = "first-password"


def token(client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def zhou(admin):
    created = admin.post("/api/v1/staff", json={"username": "zhou", "name": "周",
                                                "roles": ["consultant"], "password": OLD})
    assert created.status_code == 201, created.json
    return admin


def staff_events(app) -> list[Event]:
    with app.extensions["clinic"].db.reading() as session:
        return [Event.from_json(b) for b in session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.event_type == "schedule.staff.changed")
            .order_by(OutboxMessage.id))]


@pytest.mark.parametrize("change", ["password", "roles", "deactivate"])
def test_a_reset_a_new_role_or_deactivation_ends_the_old_tokens_everywhere(
        app, zhou, make_app, change) -> None:
    client = app.test_client()
    old = token(client, "zhou", OLD).json["token"]
    booking = make_app("booking")
    Inventory(booking)  # booking knows the hospital
    mine = {"Authorization": f"Bearer {old}"}
    assert booking.test_client().get("/api/v1/departments", headers=mine).status_code == 200
    if change == "password":
        assert zhou.post("/api/v1/staff/zhou/password", json={"password": "second-pass"}) \
            .status_code == 204
    elif change == "roles":
        assert zhou.patch("/api/v1/staff/zhou", json={"roles": ["manager"]}).status_code == 200
    else:
        assert zhou.patch("/api/v1/staff/zhou", json={"active": False}).status_code == 200
    assert client.get("/api/v1/departments", headers=mine).status_code == 401, "in schedule"
    from services.booking.handlers import handlers

    rt = booking.extensions["clinic"]
    for event in staff_events(app):
        with rt.db.transaction() as session:
            handlers(rt)[event.type](session, event)
    assert booking.test_client().get("/api/v1/departments", headers=mine).status_code == 401
    if change != "deactivate":
        fresh = token(client, "zhou", "second-pass" if change == "password" else OLD).json
        again = {"Authorization": f"Bearer {fresh['token']}"}
        assert booking.test_client().get("/api/v1/departments", headers=again).status_code \
            == 200, "a token issued after the change works"
    else:
        assert token(client, "zhou", OLD).status_code == 401


def test_the_last_active_administrator_stays(admin) -> None:
    """Nobody could manage staff again without one (the staff page makes this one click)."""
    created = admin.post("/api/v1/staff", json={"username": "root", "roles": ["admin"],
                                                "password": OLD})
    assert created.status_code == 201, created.json
    for change in ({"active": False}, {"roles": ["manager"]}):
        refused = admin.patch("/api/v1/staff/root", json=change)
        assert refused.status_code == 409 and refused.json["code"] == "last_admin"
    assert admin.post("/api/v1/staff", json={"username": "root2", "roles": ["admin", "manager"],
                                             "password": OLD}).status_code == 201
    assert admin.patch("/api/v1/staff/root", json={"active": False}).status_code == 200
    assert admin.patch("/api/v1/staff/root2", json={"roles": ["manager"]}).status_code == 409


def test_the_cli_deactivates_staff(app, zhou) -> None:
    settings = app.extensions["clinic"].settings
    old = token(app.test_client(), "zhou", OLD).json["token"]
    result = subprocess.run(
        [str(Path(sys.executable).parent / "clinic-schedule"), "staff", "deactivate", "zhou"],
        env={"SCHEDULE_DATABASE_URL": settings.database_url, "VAR_DIR": str(settings.var_dir),
             "PATH": str(Path(sys.executable).parent)}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "deactivated zhou" in result.stdout
    headers = {"Authorization": f"Bearer {old}"}
    assert app.test_client().get("/api/v1/departments", headers=headers).status_code == 401


def test_production_wants_passwords_of_ten_characters(make_app, auth_header) -> None:
    from services.schedule.config import ScheduleSettings

    app = make_app("schedule", env="production", jwt_secret="p" * 40, load_demo=False)
    admin = app.test_client()
    headers = auth_header("admin", secret="p" * 40)
    short = admin.post("/api/v1/staff", headers=headers, json={
        "username": "li", "roles": ["consultant"], "password": "nine-char"})
    assert short.status_code == 422 and "10 characters" in short.json["detail"]
    assert admin.post("/api/v1/staff", headers=headers, json={
        "username": "li", "roles": ["consultant"], "password": "ten-chars!"}).status_code == 201
    assert ScheduleSettings.from_env(environ={}).min_password_length == 4
