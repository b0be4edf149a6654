"""Signing out ends the token (SPEC §11, issue 28 item 5): its id is revoked in schedule
at once and, once ``schedule.staff.changed`` is handled, on booking, notify and followup.
Only that token: the member's other sessions stay signed in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from services.common.config import DEFAULT_JWT_SECRET
from services.common.contracts.schedule import StaffChanged
from services.common.events import Event
from services.common.tokens import issue_token, verify_token
from services.schedule.models import OutboxMessage, RevokedToken

PASSWORD = "lins-password"
#: A read each service lets an admin make: 200 while the token stands, 401 after.
READS = {"schedule": "/api/v1/staff", "booking": "/api/v1/departments",
         "notify": "/api/v1/opt-outs", "followup": "/api/v1/funnel"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_in(app: Flask, username: str = "lin", password: str = PASSWORD) -> str:
    answer = app.test_client().post("/api/v1/auth/token",
                                    json={"username": username, "password": password})
    assert answer.status_code == 200, answer.json
    return str(answer.json["token"])


@pytest.fixture
def lin(admin) -> str:
    created = admin.post("/api/v1/staff", json={"username": "lin", "name": "林",
                                                "roles": ["admin"], "password": PASSWORD})
    assert created.status_code == 201, created.json
    return "lin"


@pytest.fixture
def services(app: Flask, make_app) -> dict[str, Flask]:
    """The four services, each on its own database, as one test's deployment."""
    return {"schedule": app, **{name: make_app(name) for name in ("booking", "notify",
                                                                  "followup")}}


def staff_events(app: Flask) -> list[Event]:
    with app.extensions["clinic"].db.reading() as session:
        return [Event.from_json(b) for b in session.scalars(
            select(OutboxMessage.body).where(OutboxMessage.event_type == "schedule.staff.changed")
            .order_by(OutboxMessage.id))]


def deliver(schedule: Flask, apps: dict[str, Flask]) -> None:
    """Every staff event schedule wrote, handled by each other service as its worker
    would (the handler in the worker's transaction)."""
    from services.booking.handlers import handlers as booking
    from services.followup.handlers import handlers as followup
    from services.notify.handlers import handlers as notify

    tables: dict[str, Callable[..., dict]] = {"booking": booking, "notify": notify,
                                              "followup": followup}
    events = staff_events(schedule)
    for name, make in tables.items():
        rt = apps[name].extensions["clinic"]
        table = make(rt)
        for event in events:
            with rt.db.transaction() as session:
                table[event.type](session, event)


def status_everywhere(apps: dict[str, Flask], token: str) -> dict[str, int]:
    return {name: apps[name].test_client().get(READS[name], headers=bearer(token)).status_code
            for name in READS}


ALL_200 = dict.fromkeys(READS, 200)


def test_a_token_used_after_the_api_sign_out_is_refused_everywhere(app, lin, services) -> None:
    signed_out, other_computer = sign_in(app), sign_in(app)
    assert status_everywhere(services, signed_out) == ALL_200
    answer = app.test_client().post("/api/v1/auth/logout", headers=bearer(signed_out))
    assert answer.status_code == 204
    assert status_everywhere(services, signed_out)["schedule"] == 401, "schedule: at once"
    deliver(app, services)
    assert status_everywhere(services, signed_out) == dict.fromkeys(READS, 401)
    assert status_everywhere(services, other_computer) == ALL_200, \
        "only the token signed out with ends; the member's other sessions stand"
    assert app.test_client().post("/api/v1/auth/logout",
                                  headers=bearer(signed_out)).status_code == 401


def test_signing_out_on_the_page_ends_the_session_token_everywhere(app, lin, services) -> None:
    client = app.test_client()
    client.get("/login")
    csrf = client.get_cookie("clinic_csrf").value
    signed = client.post("/login", data={"username": "lin", "password": PASSWORD,
                                         "csrf_token": csrf})
    assert signed.status_code == 302
    session_token = client.get_cookie("clinic_session").value
    assert status_everywhere(services, session_token) == ALL_200
    page = client.get("/admin")
    assert page.status_code == 200
    from services.common.auth import csrf_token

    with app.test_request_context():
        form_token = csrf_token(session_token)
    out = client.post("/logout", data={"csrf_token": form_token})
    assert out.status_code == 302 and client.get_cookie("clinic_session") is None
    assert status_everywhere(services, session_token)["schedule"] == 401, "schedule: at once"
    deliver(app, services)
    assert status_everywhere(services, session_token) == dict.fromkeys(READS, 401)


def test_a_sign_out_without_the_forms_token_ends_nothing(app, lin) -> None:
    """A cross-site form cannot sign anyone out (nor end their token)."""
    client = app.test_client()
    client.get("/login")
    csrf = client.get_cookie("clinic_csrf").value
    client.post("/login", data={"username": "lin", "password": PASSWORD, "csrf_token": csrf})
    session_token = client.get_cookie("clinic_session").value
    client.post("/logout", data={})
    assert app.test_client().get(READS["schedule"], headers=bearer(session_token)) \
        .status_code == 200
    with app.extensions["clinic"].db.reading() as session:
        assert session.scalars(select(RevokedToken)).all() == []


def test_the_revoked_id_is_kept_until_the_token_would_have_expired(app, lin, clock) -> None:
    from services.schedule.ops.retention import purge_old

    token = sign_in(app)
    expires = verify_token(DEFAULT_JWT_SECRET, token).expires_at
    assert app.test_client().post("/api/v1/auth/logout", headers=bearer(token)).status_code \
        == 204
    event = StaffChanged.from_event(staff_events(app)[-1])
    assert (event.signed_out, event.signed_out_until) == (
        verify_token(DEFAULT_JWT_SECRET, token).token_id, expires)
    assert event.active and event.token_version == 1, "the member's other tokens stand"
    rt = app.extensions["clinic"]
    purge_old(rt)
    with rt.db.reading() as session:
        assert len(session.scalars(select(RevokedToken)).all()) == 1
    clock.advance(timedelta(hours=13))
    purge_old(rt)
    with rt.db.reading() as session:
        assert session.scalars(select(RevokedToken)).all() == []


def test_a_token_without_an_id_is_ended_with_all_of_the_members_tokens(app, lin) -> None:
    """Tokens issued before they carried an id cannot be named: signing out with one
    raises the member's version instead."""
    import jwt

    from services.common.tokens import ALGORITHM

    claims = jwt.decode(sign_in(app), DEFAULT_JWT_SECRET, algorithms=[ALGORITHM],
                        issuer="clinic")
    del claims["jti"]
    old = jwt.encode(claims, DEFAULT_JWT_SECRET, algorithm=ALGORITHM)
    other = sign_in(app)
    assert app.test_client().post("/api/v1/auth/logout", headers=bearer(old)).status_code == 204
    for token in (old, other):
        assert app.test_client().get(READS["schedule"], headers=bearer(token)).status_code \
            == 401


def test_the_services_copy_keeps_a_sign_out_whatever_order_events_come_in(make_app) -> None:
    """A sign-out event handled after a newer change of the member still voids its token;
    ids of tokens that have expired are dropped from the copy."""
    from datetime import UTC, datetime

    from services.booking.handlers import handlers
    from services.booking.models import StaffTokens

    booking = make_app("booking")
    rt = booking.extensions["clinic"]
    table = handlers(rt)
    now = datetime.now(UTC)
    token = issue_token(DEFAULT_JWT_SECRET, "lin", ["admin"], ttl_seconds=600, version=2)
    principal = verify_token(DEFAULT_JWT_SECRET, token)

    def handle(change: StaffChanged, at: datetime) -> None:
        event = Event(type=change.TYPE, data=change.to_data(), source="schedule", occurred_at=at)
        with rt.db.transaction() as session:
            table[event.type](session, event)

    handle(StaffChanged(username="lin", token_version=2, active=True), now)
    handle(StaffChanged(username="lin", token_version=1, active=True, signed_out="gone",
                        signed_out_until=now - timedelta(seconds=1)), now - timedelta(hours=2))
    handle(StaffChanged(username="lin", token_version=2, active=True,
                        signed_out=principal.token_id,
                        signed_out_until=principal.expires_at), now - timedelta(minutes=1))
    with rt.db.reading() as session:
        row = session.get(StaffTokens, "lin")
        assert row is not None and row.token_version == 2 and row.active
        assert principal.token_id in row.signed_out and "gone" not in row.signed_out
    client = booking.test_client()
    assert client.get(READS["booking"], headers=bearer(token)).status_code == 401
    fresh = issue_token(DEFAULT_JWT_SECRET, "lin", ["admin"], ttl_seconds=600, version=2)
    assert client.get(READS["booking"], headers=bearer(fresh)).status_code == 200


def test_a_token_naming_no_account_is_not_signed_out(app, auth_header) -> None:
    """Minted with the signing key itself (the CLI, the tests, the fuzzer): whoever holds
    the key mints another, so there is nothing to revoke; the answer is the same 204."""
    header = auth_header("admin")
    assert app.test_client().post("/api/v1/auth/logout", headers=header).status_code == 204
    assert app.test_client().get(READS["schedule"], headers=header).status_code == 200
    assert staff_events(app) == []
