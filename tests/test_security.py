"""Every protected endpoint of every service refuses what it must.

The endpoints are found from each app's URL map, and each view's allowed roles
from the ``roles_required`` decorator, so a new endpoint is checked without being
listed here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from flask import Flask

from services.common.config import DEFAULT_JWT_SECRET
from services.common.tokens import ROLES, issue_token
from tests.support.services import SERVICES

PUBLIC = ("/healthz", "/readyz", "/api/v1/openapi.json", "/api/v1/auth/token",
          "/api/v1/patient-link/", "/api/v1/webhooks/", "/p/", "/static/", "/login", "/logout",
          "/api/v1/sms/")  # SMS vendors' callbacks: a secret path (docs/sms-providers.md)


def protected(app: Flask) -> list[tuple[str, str, tuple[str, ...]]]:
    """(method, url, allowed roles) for every API view guarded by ``roles_required``."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.rule.startswith(PUBLIC):
            continue
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        url = rule.rule.replace("<int:", "<").replace("<", "").replace(">", "")
        url = "/".join("1" if part.endswith("_id") else part for part in url.split("/"))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            handler = getattr(view_class, method.lower(), None) if view_class else view
            roles = getattr(handler, "_clinic_roles", None)
            assert roles is not None, f"{method} {rule.rule} has no role check"
            found.append((method, url, roles))
    return found


def tokens(secret: str) -> dict[str, str]:
    past = datetime.now(UTC) - timedelta(hours=1)
    good = issue_token(secret, "x", ROLES, ttl_seconds=600)
    head, _body, signature = good.split(".")
    forged = jwt.encode({"iss": "clinic", "sub": "x", "roles": list(ROLES), "iat": 1,
                         "exp": 9999999999}, "not-our-key-" * 4, algorithm="HS256")
    return {
        "expired": issue_token(secret, "x", ROLES, ttl_seconds=60, now=past - timedelta(hours=1)),
        "tampered": f"{head}.{forged.split('.')[1]}.{signature}",
        "foreign key": forged,
        "garbage": "not-a-token",
    }


@pytest.mark.parametrize("name", SERVICES)
def test_every_endpoint_refuses_missing_bad_and_wrong_role_tokens(name: str, make_app) -> None:
    app = make_app(name)
    client = app.test_client()
    endpoints = protected(app)
    assert len(endpoints) >= 3
    bad = tokens(DEFAULT_JWT_SECRET)
    for method, url, allowed in endpoints:
        call = getattr(client, method.lower())
        assert call(url, json={}).status_code == 401, (method, url, "no token")
        for kind, token in bad.items():
            status = call(url, json={}, headers={"Authorization": f"Bearer {token}"}).status_code
            assert status == 401, (method, url, kind, status)
        for role in ROLES:
            token = issue_token(DEFAULT_JWT_SECRET, "x", [role], ttl_seconds=60)
            status = call(url, json={}, headers={"Authorization": f"Bearer {token}"}).status_code
            if role in allowed:
                # The role gets through to the view: whatever it answers (404 for id 1, 422
                # for an empty body), it is not the door refusing.
                assert status not in (401, 403), (method, url, role, status)
            else:
                assert status == 403, (method, url, role, status)


@pytest.mark.parametrize("name", SERVICES)
def test_a_session_cookie_without_the_csrf_token_cannot_change_anything(name: str,
                                                                        make_app) -> None:
    from services.common.auth import SESSION_COOKIE

    app = make_app(name)
    client = app.test_client()
    client.set_cookie(SESSION_COOKIE, issue_token(DEFAULT_JWT_SECRET, "x", ROLES,
                                                  ttl_seconds=600))
    for method, url, _ in protected(app):
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            assert getattr(client, method.lower())(url, json={}).status_code == 403, (method, url)


def session_client(app: Flask):
    from services.common.auth import SESSION_COOKIE

    client = app.test_client()
    client.set_cookie(SESSION_COOKIE, issue_token(DEFAULT_JWT_SECRET, "x", ROLES,
                                                  ttl_seconds=600))
    return client


def page_token(client, url: str) -> str:
    import re

    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]*)"', page).group(1)


def test_a_tossed_csrf_cookie_cannot_act_for_the_signed_in_member(make_app) -> None:
    """The audit's attack: the attacker's own clinic_csrf cookie and the same value in the
    form or header cancelled an appointment. The token is bound to the session now."""
    from services.common.auth import CSRF_COOKIE

    app = make_app("booking")
    client = session_client(app)
    client.set_cookie(CSRF_COOKIE, "chosen-by-the-attacker")
    tossed = client.post("/api/v1/appointments/1/cancel", json={},
                         headers={"X-CSRF-Token": "chosen-by-the-attacker"})
    assert tossed.status_code == 403
    token = page_token(client, "/console")
    assert token and token != "chosen-by-the-attacker"
    genuine = client.post("/api/v1/appointments/1/cancel", json={},
                          headers={"X-CSRF-Token": token})
    assert genuine.status_code == 404, "through the door; there is no appointment 1"


def test_the_api_takes_writes_as_json_only(make_app) -> None:
    app = make_app("booking")
    client = session_client(app)
    token = page_token(client, "/console")
    form = client.post("/api/v1/appointments/1/cancel", data={"reason": "patient",
                                                              "csrf_token": token})
    assert form.status_code == 415
    bearer = issue_token(DEFAULT_JWT_SECRET, "x", ROLES, ttl_seconds=60)
    headers = {"Authorization": f"Bearer {bearer}", "Content-Type": "text/plain"}
    assert app.test_client().post("/api/v1/holds", data='{"slot_id": 1}',
                                  headers=headers).status_code == 415


@pytest.mark.parametrize("name, page", [("booking", "/console"), ("schedule", "/login"),
                                        ("notify", "/outbox")])
def test_pages_carry_the_security_headers(make_app, name: str, page: str) -> None:
    app = make_app(name)
    response = session_client(app).get(page)
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    api = session_client(app).get("/api/v1/openapi.json")
    assert api.headers["X-Content-Type-Options"] == "nosniff"


def test_the_patient_link_sends_no_referrer_and_is_not_cached(make_app) -> None:
    response = make_app("booking").test_client().get("/p/not-a-token")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("target, kept", [
    ("http://127.0.0.1:8001/admin", True), ("http://127.0.0.1:8002/roster", True),
    ("http://127.0.0.1:8003/outbox", True), ("http://127.0.0.1:8004/worklist", True),
    ("https://evil.example/login", False), ("//evil.example/", False)])
def test_sign_in_goes_back_to_any_of_our_pages_and_nowhere_else(make_app, target: str,
                                                                kept: bool) -> None:
    """`make run` prints the follow-up worklist's address; signing in from it must lead
    back there (it led to the console), and never to another site."""
    from urllib.parse import quote

    page = make_app("schedule").test_client().get(f"/login?next={quote(target, safe='')}")
    assert (f'name="next" value="{target}"' in page.get_data(as_text=True)) is kept
