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

from services.common.auth import ROLES, issue_token
from services.common.config import DEFAULT_JWT_SECRET
from tests.conftest import SERVICES

PUBLIC = ("/healthz", "/readyz", "/api/v1/openapi.json", "/api/v1/auth/token",
          "/api/v1/patient-link/", "/api/v1/webhooks/", "/p/", "/static/", "/login", "/logout")


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
        for role in set(ROLES) - set(allowed):
            token = issue_token(DEFAULT_JWT_SECRET, "x", [role], ttl_seconds=60)
            header = {"Authorization": f"Bearer {token}"}
            assert call(url, json={}, headers=header).status_code == 403, (method, url, role)


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
