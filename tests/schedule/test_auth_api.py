"""Staff sign in at schedule and the token opens the door at every service."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from services.common.config import ConfigError
from services.schedule.app import create_app
from services.schedule.config import ScheduleSettings
from services.schedule.ops.demo import load_demo
from tests.support.services import in_process_settings


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory,
                  migrated_sqlite: Callable[[str], Path]) -> Path:
    """schedule's database with the demo loaded, once per worker: loading it publishes
    two weeks of slots, most of this module's CPU when each test did it. (The slots are
    from the day the worker made it; these tests sign in and read no slot.)"""
    var_dir = tmp_path_factory.mktemp("demo") / "var"
    var_dir.mkdir()
    shutil.copyfile(migrated_sqlite("schedule"), var_dir / "schedule.db")
    settings = in_process_settings(ScheduleSettings, var_dir=var_dir, migrate_on_start=False)
    app = create_app(settings)
    load_demo(app.extensions["clinic"])
    app.extensions["clinic"].db.dispose()  # the last connection folds the WAL into the file
    assert not (var_dir / "schedule.db-wal").exists(), "a connection is still open"
    return var_dir / "schedule.db"


@pytest.fixture
def app(make_app, make_settings, demo_database: Path) -> Flask:
    """A schedule app on a copy of the demo's database."""
    var_dir = make_settings(ScheduleSettings).var_dir
    var_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(demo_database, var_dir / "schedule.db")
    return make_app("schedule")


def sign_in(app: Flask, username: str, password: str):
    return app.test_client().post("/api/v1/auth/token",
                                  json={"username": username, "password": password})


@pytest.mark.parametrize("username", ["admin", "consultant", "frontdesk", "manager"])
def test_demo_staff_sign_in_with_their_role(app: Flask, username: str) -> None:
    response = sign_in(app, username, "demo")
    assert response.status_code == 200
    assert response.json["roles"] == [username]
    assert response.json["token_type"] == "Bearer"


@pytest.mark.parametrize("username, password", [("admin", "wrong"), ("nobody", "demo")])
def test_wrong_name_or_password_is_401_without_saying_which(app: Flask, username, password) -> None:
    response = sign_in(app, username, password)
    assert response.status_code == 401
    assert response.json["detail"] == "Wrong name or password."


def test_missing_fields_are_422_with_field_errors(app: Flask) -> None:
    response = app.test_client().post("/api/v1/auth/token", json={"username": "admin"})
    assert response.status_code == 422
    assert "password" in response.json["errors"]["json"]


def test_a_schedule_token_is_accepted_by_booking_and_notify(app: Flask, make_app) -> None:
    token = sign_in(app, "admin", "demo").json["token"]
    for name in ("booking", "notify"):
        other = make_app(name).test_client()
        response = other.get("/api/v1/dead-letters", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200


def test_production_refuses_to_start_with_demo_passwords(app: Flask, make_settings) -> None:
    settings = make_settings(ScheduleSettings, env="production", jwt_secret="p" * 40)
    with pytest.raises(ConfigError, match="demo password"):
        create_app(settings)


def test_production_starts_once_demo_passwords_are_changed(app: Flask, make_settings) -> None:
    from services.common.event_handlers import SYSTEM
    from services.common.unit_of_work import unit_of_work
    from services.schedule.ops.staff import change_staff

    with unit_of_work(app.extensions["clinic"], SYSTEM) as work:
        for name in ("admin", "consultant", "frontdesk", "manager"):
            change_staff(work, name, password=f"{name}-strong-password")
    settings = make_settings(ScheduleSettings, env="production", jwt_secret="p" * 40)
    assert create_app(settings).test_client().get("/healthz").status_code == 200


def test_production_refuses_a_password_hash_cheaper_than_werkzeugs_default(make_settings) -> None:
    settings = make_settings(ScheduleSettings, env="production", jwt_secret="p" * 40,
                             password_hash_cost=2**14)
    with pytest.raises(ConfigError, match="PASSWORD_HASH_COST"):
        settings.check_production()
    make_settings(ScheduleSettings, env="production", jwt_secret="p" * 40).check_production()


def test_a_new_hash_takes_the_settings_cost_and_an_older_costlier_one_still_signs_in(
        app: Flask) -> None:
    from werkzeug.security import generate_password_hash

    from services.common.event_handlers import SYSTEM
    from services.common.unit_of_work import unit_of_work
    from services.schedule.models import StaffMember
    from services.schedule.ops.staff import change_staff
    from services.schedule.reads.staff import find_staff

    cost = app.extensions["clinic"].settings.password_hash_cost
    assert cost < 2**15
    with unit_of_work(app.extensions["clinic"], SYSTEM) as work:
        change_staff(work, "consultant", password="a-new-password")
        member: StaffMember | None = find_staff(work.session, "frontdesk")
        assert member is not None
        member.password_hash = generate_password_hash("made-at-32768")
    with unit_of_work(app.extensions["clinic"], SYSTEM) as work:
        changed = find_staff(work.session, "consultant")
        assert changed is not None and changed.password_hash.startswith(f"scrypt:{cost}:8:1$")
    assert sign_in(app, "consultant", "a-new-password").status_code == 200
    assert sign_in(app, "frontdesk", "made-at-32768").status_code == 200
    assert sign_in(app, "frontdesk", "made-at-32767").status_code == 401


@pytest.mark.parametrize("cost", [0, 1, 1000, 3 * 2**10])
def test_a_password_hash_cost_scrypt_cannot_take_is_refused_at_start(make_settings, cost) -> None:
    with pytest.raises(ConfigError, match="power of two"):
        make_settings(ScheduleSettings, password_hash_cost=cost)
    assert make_settings(ScheduleSettings, password_hash_cost=2**11).password_hash_cost == 2**11
