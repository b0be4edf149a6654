"""Each refusal of the follow-up desk answers with the status, code, words and field errors
the pages know: pinned whole, so moving the rules onto the common refusal kinds (issue 29)
cannot change an answer unnoticed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from services.common.phones import InvalidPhone, normalise
from tests.support.followup import Caller, Feed, Person


def answer(response: Any) -> tuple[int, str | None, str, Any]:
    body = response.json
    assert response.content_type == "application/problem+json"
    return response.status_code, body.get("code"), body["detail"], body.get("errors")


def test_the_rules_of_a_call_answer_as_before(app, feed: Feed, li: Caller, wang: Caller,
                                              clock) -> None:
    feed.no_show(Person())
    task_id = li.tasks()[0]["id"]
    assert answer(li.call(task_id, "no_answer")) == (
        409, "not_claimed", "Claim the task before calling.", None)
    assert li.claim(task_id).status_code == 200
    assert answer(wang.claim(task_id)) == (409, "claimed", "li is calling this person now.", None)
    assert answer(li.call(task_id, "booked")) == (
        422, "appointment_code_required", "Give the new appointment's code.", None)
    assert answer(li.call(task_id, "booked", appointment_code="ABCD2345")) == (
        422, "unknown_appointment", "No appointment with this code was booked for this patient "
        "since the task opened.", None)
    assert answer(li.call(task_id, "call_back")) == (
        422, "call_back_at_required", "Say when to call back.", None)
    assert answer(li.call(task_id, "call_back", call_back_at="2026-11-24T09:00:00+08:00")) == (
        422, "call_back_in_the_past", "The call-back time has passed.", None)
    assert li.call(task_id, "no_answer").status_code == 201
    assert answer(li.claim(task_id)) == (409, "not_due", "This call is due at 2026-11-24 12:00.",
                                         None)
    clock.advance(timedelta(hours=10, minutes=30))  # 20:30, the call long due
    assert answer(li.claim(task_id)) == (
        409, "outside_calling_hours", "Patients are called between 09:00 and 20:00 only.", None)
    clock.advance(timedelta(hours=13))  # 09:30 the next day
    assert li.claim(task_id).status_code == 200
    assert li.call(task_id, "declined", objection="distance").status_code == 201
    assert answer(li.claim(task_id)) == (409, "closed", "This task is closed.", None)


def test_what_is_not_there_answers_as_before(app, li: Caller) -> None:
    assert answer(li.call(999999, "no_answer")) == (404, "not_found", "No such task.", None)
    assert answer(li.get("/api/v1/tasks/999999")) == (404, None, "No such task.", None)
    assert answer(li.get("/api/v1/enquiries/999999")) == (404, None, "No such enquiry.", None)
    admin = Caller(app, "root", role="admin")
    assert answer(admin.delete("/api/v1/do-not-call/4242", json={"reason": "asked again"})) == (
        404, "not_on_the_list", "No such entry on the do-not-call list.", None)


def test_a_phone_that_is_no_phone_names_the_field(li: Caller) -> None:
    with pytest.raises(InvalidPhone) as refused:
        normalise("12345")
    said = str(refused.value)
    for response in (li.enquiry(phone="12345"),
                     li.post("/api/v1/do-not-call", json={"phone": "12345"})):
        status, _code, detail, errors = answer(response)
        assert (status, detail, errors) == (422, said, {"json": {"phone": [said]}})
    assert li.tasks(status="do_not_call") == [] and li.get("/api/v1/do-not-call").json == []
