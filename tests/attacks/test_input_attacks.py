"""Issue 28 items 7 and 9, replayed: values the API parses answer 4xx, never 500; the dev
outbox is an admin's page; no phone or identity number reaches a log line however it is
spelled; a phone written into a complaint is masked wherever the complaint is listed."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.common.auth import SESSION_COOKIE
from services.common.config import DEFAULT_JWT_SECRET
from services.common.tokens import issue_token
from tests.support.followup import Caller, Feed, Person

GIANT = "9" * 30


# --- item 7: inputs never 500 -----------------------------------------------------------------

def test_a_due_before_without_a_zone_is_422_not_500(make_app, auth_header) -> None:
    client = make_app("followup").test_client()
    response = client.get("/api/v1/tasks?due_before=2026-12-07T10:00:00",
                          headers=auth_header("consultant"))
    assert response.status_code == 422
    assert "zone" in response.json["errors"]["query"]["due_before"][0]


def test_a_call_back_in_the_year_9999_is_422_not_500(make_app, clock) -> None:
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))  # calling hours
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
    from services.common.tokens import ROLES

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


# --- item 9b: no spelling of a phone or identity number reaches a log line --------------------

@pytest.mark.parametrize("spelt", ["id_13800138000", "x-13800138000", "abc13800138000",
                                   "138.0013.8000", "+86 138-0013-8000",
                                   "11010519491231002X"])
def test_a_log_line_with_a_phone_in_any_spelling_is_masked(tmp_path, spelt: str) -> None:
    import logging

    from services.common.logging import configure_logging
    from tests.support.logs import personal_data_in

    log_file = tmp_path / "log.txt"
    configure_logging("attack", "INFO", "text", str(log_file))
    logging.getLogger("attack").warning("lookup failed for %s (booking K7QM4TZP, 35 ms)", spelt)
    for handler in logging.getLogger().handlers:
        handler.flush()
    line = log_file.read_text()
    assert spelt not in line and personal_data_in(line) == []
    assert "K7QM4TZP" in line and "35 ms" in line, "the rest stays readable"


# --- item 9c: a phone written into a complaint is masked where the complaint is listed --------

PHONE_IN_TEXT = "13912345678"
ID_IN_TEXT = "11010519491231002X"
COMPLAINT = f"胸闷，家属电话{PHONE_IN_TEXT}，身份证{ID_IN_TEXT}"


def test_a_phone_in_a_complaint_is_masked_in_bookings_lists(make_app) -> None:
    from tests.support.booking import Inventory, Staff, bearer, tomorrow

    app = make_app("booking")
    slot_id = Inventory(app).session(tomorrow(), time(9))[0]
    consultant = Staff(app, bearer("consultant", "li"))
    booked = consultant.book(slot_id, complaint=COMPLAINT)
    assert booked.status_code == 201 and booked.json["complaint"] == COMPLAINT, \
        "the booking answer carries full contact, so the whole complaint"
    appointment_id = booked.json["id"]
    full = consultant.get(f"/api/v1/appointments/{appointment_id}").json
    assert full["complaint"] == COMPLAINT, "full contact, full complaint"
    listed = consultant.get(f"/api/v1/appointments?date={tomorrow()}").json
    roster = Staff(app, bearer("frontdesk", "zhou")).get(f"/api/v1/roster?date={tomorrow()}")
    lines = [line for expert in roster.json["experts"] for session in expert["sessions"]
             for line in session["appointments"]]
    cancelled = consultant.post(f"/api/v1/appointments/{appointment_id}/cancel",
                                json={"reason": "patient"}).json
    for shown in ([a["complaint"] for a in listed] + [line["complaint"] for line in lines]
                  + [cancelled["complaint"]]):
        assert PHONE_IN_TEXT not in shown and ID_IN_TEXT not in shown, shown
        assert "139****5678" in shown and "1101**********002X" in shown, shown
        assert shown.startswith("胸闷，家属电话"), "the rest of what was asked is kept"


def test_a_phone_in_a_complaint_is_masked_in_followups_lists(make_app, clock) -> None:
    from services.followup.worker import open_due_enquiry_tasks

    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))  # calling hours
    app = make_app("followup")
    Feed(app)
    li, wang = Caller(app, "li"), Caller(app, "wang")
    made = li.enquiry(name="赵敏", phone="13700001111", complaint=COMPLAINT,
                      note=f"另一个号码 {PHONE_IN_TEXT}")
    assert made.status_code == 201 and made.json["complaint"] == COMPLAINT
    listed = li.get("/api/v1/enquiries").json
    one = li.get(f"/api/v1/enquiries/{made.json['id']}").json
    clock.advance(timedelta(days=2))  # the enquiry waits a day before it becomes a task
    open_due_enquiry_tasks(app.extensions["clinic"])
    (task,) = li.tasks()
    assert li.claim(task["id"]).status_code == 200
    card_of_another = wang.get(f"/api/v1/tasks/{task['id']}").json
    shown = ([e["complaint"] for e in listed] + [e["note"] for e in listed]
             + [one["complaint"], task["context"]["complaint"], task["context"]["note"],
                card_of_another["context"]["complaint"]])
    for text in shown:
        assert PHONE_IN_TEXT not in text and ID_IN_TEXT not in text, text
    assert "139****5678" in task["context"]["complaint"]
    own_card = li.get(f"/api/v1/tasks/{task['id']}").json
    assert own_card["context"]["complaint"] == COMPLAINT, "the claimer's call card: full"


def test_a_phone_in_a_call_note_is_masked_on_another_consultants_card(make_app, clock) -> None:
    """A call's note is free text too: whoever does not hold the claim reads it masked."""
    from services.followup.worker import open_due_enquiry_tasks

    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    app = make_app("followup")
    Feed(app)
    li, wang = Caller(app, "li"), Caller(app, "wang")
    assert li.enquiry(name="赵敏", phone="13700001111", complaint="胸闷").status_code == 201
    clock.advance(timedelta(days=2))
    open_due_enquiry_tasks(app.extensions["clinic"])
    (task,) = li.tasks()
    assert li.claim(task["id"]).status_code == 200
    assert li.call(task["id"], "no_answer", note=f"家属说改打 {PHONE_IN_TEXT}").status_code == 201
    (note_of_another,) = [c["note"] for c in wang.get(f"/api/v1/tasks/{task['id']}").json["calls"]]
    assert PHONE_IN_TEXT not in note_of_another and "139****5678" in note_of_another
