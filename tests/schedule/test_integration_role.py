"""The ``integration`` role (SPEC §13): a hospital system's account, made by the staff
CLI or the staff API, that holds no other role, signs in for a token but never on the
pages, and is refused by the staff API of every service (``/fhir`` is its only door;
``tests/booking/test_fhir_booking.py`` shows it open there)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from services.common.config import DEFAULT_JWT_SECRET
from services.common.tokens import verify_token
from services.schedule.cli import cli

PASSWORD = "his-password-1"


def test_the_cli_creates_a_hospital_systems_account_and_its_token(runner: CliRunner) -> None:
    created = runner.invoke(cli, ["staff", "create", "his", "--name", "院内 HIS",
                                  "--role", "integration", "--password", PASSWORD])
    assert created.exit_code == 0, created.output
    assert "created his (integration)" in created.output
    issued = runner.invoke(cli, ["token", "his"])
    assert issued.exit_code == 0, issued.output
    assert verify_token(DEFAULT_JWT_SECRET, issued.output.strip()).roles == ("integration",)


def test_the_cli_refuses_integration_beside_a_staff_role(runner: CliRunner) -> None:
    mixed = runner.invoke(cli, ["staff", "create", "his", "--role", "integration",
                                "--role", "frontdesk", "--password", PASSWORD])
    assert mixed.exit_code != 0
    assert "integration is given alone" in mixed.output
    assert runner.invoke(cli, ["token", "his"]).exit_code != 0, "nothing was created"


def test_the_staff_api_makes_one_too_but_never_mixed(admin) -> None:
    mixed = admin.post("/api/v1/staff", json={"username": "his", "roles": ["integration",
                                                                           "consultant"],
                                              "password": PASSWORD})
    assert mixed.status_code == 422 and "roles" in mixed.json["errors"]["json"]
    made = admin.post("/api/v1/staff", json={"username": "his", "roles": ["integration"],
                                             "password": PASSWORD})
    assert made.status_code == 201, made.json
    assert made.json["roles"] == ["integration"]
    assert admin.patch("/api/v1/staff/his", json={"roles": ["integration", "admin"]}) \
        .status_code == 422


@pytest.fixture
def his_token(app, admin) -> str:
    made = admin.post("/api/v1/staff", json={"username": "his", "roles": ["integration"],
                                             "password": PASSWORD})
    assert made.status_code == 201, made.json
    answer = app.test_client().post("/api/v1/auth/token",
                                    json={"username": "his", "password": PASSWORD})
    assert answer.status_code == 200, answer.json
    return str(answer.json["token"])


def test_a_systems_token_is_refused_by_the_staff_api_everywhere(app, make_app,
                                                                his_token) -> None:
    bearer = {"Authorization": f"Bearer {his_token}"}
    schedule = app.test_client()
    for url in ("/api/v1/departments", "/api/v1/experts", "/api/v1/staff", "/api/v1/slots"):
        assert schedule.get(url, headers=bearer).status_code == 403, url
    booking = make_app("booking").test_client()
    for url in ("/api/v1/appointments", "/api/v1/roster", "/api/v1/patients"):
        assert booking.get(url, headers=bearer).status_code == 403, url
    booked = booking.post("/api/v1/appointments", headers=bearer, json={
        "slot_id": 1, "channel": "phone", "patient": {"name": "张三", "phone": "13800138000"}})
    assert booked.status_code == 403
    # it may end its own token, as any account may
    assert schedule.post("/api/v1/auth/logout", headers=bearer).status_code == 204


def test_a_systems_account_cannot_sign_in_on_the_pages(app, his_token) -> None:
    client = app.test_client()
    client.get("/login")
    csrf = client.get_cookie("clinic_csrf").value
    page = client.post("/login", data={"username": "his", "password": PASSWORD,
                                       "csrf_token": csrf})
    assert page.status_code == 403
    assert "只用于 FHIR 接口" in page.get_data(as_text=True)
    assert client.get_cookie("clinic_session") is None
