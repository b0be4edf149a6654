"""Issue 28 items 7 and 9, replayed: values the API parses answer 4xx, never 500; the dev
outbox is an admin's page; no phone or identity number reaches a log line however it is
spelled; a phone written into a complaint is masked wherever the complaint is listed."""

from __future__ import annotations

import pytest

from services.common.auth import SESSION_COOKIE, issue_token
from services.common.config import DEFAULT_JWT_SECRET
from tests.support.followup import Caller, Feed, Person

GIANT = "9" * 30


# --- item 7: inputs never 500 -----------------------------------------------------------------

def test_a_due_before_without_a_zone_is_422_not_500(make_app, auth_header) -> None:
    client = make_app("followup").test_client()
    response = client.get("/api/v1/tasks?due_before=2026-12-07T10:00:00",
                          headers=auth_header("consultant"))
    assert response.status_code == 422
    assert "zone" in response.json["errors"]["query"]["due_before"][0]


def test_a_call_back_in_the_year_9999_is_422_not_500(make_app) -> None:
    app = make_app("followup")
    feed, li = Feed(app), Caller(app, "li")
    feed.no_show(Person())
    (task,) = li.tasks()
    assert li.claim(task["id"]).status_code == 200
    for moment in ("9999-12-31T23:59:59+00:00", "9999-12-31T23:00:00-12:00"):
        response = li.call(task["id"], "call_back", call_back_at=moment)
        assert response.status_code == 422, (moment, response.json)


@pytest.mark.parametrize("name, url", [
    ("booking", f"/api/v1/appointments/{GIANT}"), ("booking", f"/api/v1/patients/{GIANT}"),
    ("booking", f"/api/v1/appointments?limit={GIANT}"),
    ("booking", f"/api/v1/appointments?slot_id={GIANT}"),
    ("followup", f"/api/v1/tasks/{GIANT}"), ("followup", f"/api/v1/tasks?limit={GIANT}"),
    ("notify", f"/api/v1/messages?appointment_id={GIANT}"),
    ("schedule", f"/api/v1/experts/{'9' * 400}"),
])
def test_giant_ids_and_numbers_are_4xx(make_app, auth_header, name: str, url: str) -> None:
    from services.common.auth import ROLES

    response = make_app(name).test_client().get(url, headers=auth_header(*ROLES))
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)


# --- item 9a: the dev outbox is an admin's page -----------------------------------------------

def outbox_as(app, role: str):
    from services.notify.providers import Outgoing
    from services.notify.providers.outbox import OutboxProvider

    OutboxProvider(app.extensions["clinic"].db, "sms").send(Outgoing(
        ref="msg-1", channel="sms", to="+8613800138000",
        body="【仁和医院】预约成功，改约或取消：http://127.0.0.1:8002/p/live-link-token"))
    client = app.test_client()
    client.set_cookie(SESSION_COOKIE, issue_token(DEFAULT_JWT_SECRET, role, [role],
                                                  ttl_seconds=60))
    return client.get("/outbox")


@pytest.mark.parametrize("role", ["manager", "consultant", "frontdesk"])
def test_the_outbox_page_is_forbidden_to_all_but_admins(make_app, role: str) -> None:
    page = outbox_as(make_app("notify"), role)
    text = page.get_data(as_text=True)
    assert page.status_code == 403
    assert "live-link-token" not in text and "预约成功" not in text
    assert "/outbox" not in text, "the bar does not offer it either"


def test_an_admin_reads_the_outbox(make_app) -> None:
    page = outbox_as(make_app("notify"), "admin")
    assert page.status_code == 200 and "live-link-token" in page.get_data(as_text=True)
