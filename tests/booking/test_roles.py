"""Every booking endpoint: 401 without a token, 403 with the wrong role, allowed otherwise."""

from __future__ import annotations

import pytest

ROLES = ("admin", "consultant", "frontdesk", "manager")
ENDPOINTS = [
    ("get", "/api/v1/availability?department_id=1", {"admin", "consultant", "frontdesk",
                                                     "manager"}),
    ("post", "/api/v1/holds", {"consultant", "frontdesk"}),
    ("delete", "/api/v1/holds/x", {"consultant", "frontdesk"}),
    ("post", "/api/v1/appointments", {"consultant", "frontdesk"}),
    ("get", "/api/v1/appointments", {"admin", "consultant", "frontdesk", "manager"}),
    ("get", "/api/v1/appointments/1", {"admin", "consultant", "frontdesk", "manager"}),
    ("post", "/api/v1/appointments/1/cancel", {"consultant", "frontdesk"}),
    ("post", "/api/v1/appointments/1/reschedule", {"consultant", "frontdesk"}),
    ("post", "/api/v1/appointments/1/check-in", {"frontdesk"}),
    ("post", "/api/v1/appointments/1/undo-check-in", {"frontdesk"}),
    ("post", "/api/v1/appointments/1/no-show", {"frontdesk"}),
    ("post", "/api/v1/appointments/1/undo-no-show", {"frontdesk"}),
    ("post", "/api/v1/appointments/1/complete", {"frontdesk"}),
    ("post", "/api/v1/walk-ins", {"frontdesk"}),
    ("get", "/api/v1/roster", {"admin", "frontdesk", "manager"}),
    ("get", "/api/v1/roster.csv", {"admin", "frontdesk", "manager"}),
    ("get", "/api/v1/stats?from=2026-01-01&to=2026-01-31", {"admin", "manager"}),
    ("get", "/api/v1/dead-letters", {"admin"}),
]


@pytest.mark.parametrize("method, url, allowed", ENDPOINTS)
def test_each_endpoint_admits_exactly_its_roles(app, auth_header, method, url, allowed) -> None:
    client = app.test_client()
    call = getattr(client, method)
    assert call(url, json={}).status_code == 401
    for role in ROLES:
        status = call(url, json={}, headers=auth_header(role)).status_code
        if role in allowed:
            assert status != 403 and status != 401, (role, status)
        else:
            assert status == 403, (role, status)
