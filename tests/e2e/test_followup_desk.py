"""The follow-up desk under ``make run``: what the issue's "done when" asks, through the
real processes and the file bus — an enquiry converted by a booking, a leave opening a
task per affected patient (those no SMS reached first), three unanswered calls closing
a task, a do-not-call stopping the next, and the funnel counting it all."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.e2e.conftest import ALWAYS, ONE_WEB_PROCESS
from tests.support.bus import handled_by

pytestmark = pytest.mark.slow


def seconds_until(check, timeout: float = 20.0) -> float:
    """How long ``check`` took to come true (fails after ``timeout``)."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout, "not within the time allowed"
        time.sleep(0.2)
    return time.monotonic() - start


class Desk:
    def __init__(self, clinic, username: str) -> None:
        self.clinic = clinic
        self.headers = {"Authorization": f"Bearer {clinic.token(username)}"}

    def __call__(self, method: str, service: str, path: str, **kw):
        return requests.request(method, f"{self.clinic.urls[service]}/api/v1{path}",
                                headers=self.headers, timeout=10, **kw)


def a_slot(consultant: Desk, department_id: int) -> dict:
    """A place to book, once booking has the demo's published slots: they come over the bus
    after the services answer /readyz (seconds later on a loaded machine)."""
    tomorrow = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date()

    def free() -> dict | None:
        found = consultant("GET", "booking", f"/availability?department_id={department_id}"
                           f"&date={tomorrow}&days=7").json()
        return next((dict(s, expert_id=e["id"]) for e in found["experts"] for s in e["slots"]
                     if s["bookable"] and s["remaining"] >= 2), None)

    seconds_until(lambda: free() is not None, timeout=90)
    slot = free()
    assert slot is not None
    return slot


def book(consultant: Desk, slot_id: int, **patient) -> dict:
    answer = consultant("POST", "booking", "/appointments", json={
        "slot_id": slot_id, "channel": "phone", "patient": patient})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_the_follow_up_desk_end_to_end(start_clinic) -> None:
    clinic = start_clinic(**ALWAYS, **ONE_WEB_PROCESS)
    clinic.wait_ready()
    li, admin = Desk(clinic, "consultant"), Desk(clinic, "admin")
    manager = Desk(clinic, "manager")

    # an enquiry with consent, then a booking of the same name and phone
    enquiry = li("POST", "followup", "/enquiries", json={
        "name": "赵敏", "phone": "13812340000", "channel": "chat", "call_consent": True,
        "complaint": "想看消化科"}).json()
    slot = a_slot(li, 3)
    book(li, slot["slot_id"], name="赵敏", phone="138 1234 0000", sms_consent=True)
    took = seconds_until(lambda: li("GET", "followup", f"/enquiries/{enquiry['id']}")
                         .json()["status"] == "converted")
    print(f"enquiry converted {took:.1f} s after the booking")

    # leave for an expert with booked patients: one task each, no SMS first
    slot = a_slot(li, 2)
    with_sms = book(li, slot["slot_id"], name="周芷若", phone="13912340001", sms_consent=True)
    without = book(li, slot["slot_id"], name="张无忌", phone="13912340002")
    leave = admin("POST", "schedule", f"/experts/{slot['expert_id']}/leave",
                  json={"date": slot["date"], "reason": "学术会议"})
    assert leave.status_code == 201, leave.text

    def cancelled_tasks() -> list[dict]:
        return [t for t in li("GET", "followup", "/tasks?kind=hospital_cancelled").json()
                if t["appointment_id"] in (with_sms["id"], without["id"])]

    took = seconds_until(lambda: len(cancelled_tasks()) == 2)
    print(f"hospital_cancelled tasks opened {took:.1f} s after the leave")
    tasks = cancelled_tasks()
    assert [t["patient"]["name"] for t in tasks] == ["张无忌", "周芷若"]
    assert tasks[0]["sms_reached"] is False and tasks[0]["context"]["alternatives"] is not None

    # three unanswered calls close a task as unreached
    task_id = tasks[1]["id"]
    for _ in range(3):
        assert li("POST", "followup", f"/tasks/{task_id}/claim").status_code == 200
        last = li("POST", "followup", f"/tasks/{task_id}/calls", json={"outcome": "no_answer"})
        assert last.status_code == 201, last.text
    assert last.json()["status"] == "unreached"

    # do-not-call stops every later task for that phone
    task_id = tasks[0]["id"]
    li("POST", "followup", f"/tasks/{task_id}/claim")
    assert li("POST", "followup", f"/tasks/{task_id}/calls",
              json={"outcome": "do_not_call"}).json()["status"] == "do_not_call"
    slot = a_slot(li, 4)
    again = book(li, slot["slot_id"], name="张无忌", phone="13912340002")
    cancel = li("POST", "booking", f"/appointments/{again['id']}/cancel",
                json={"reason": "hospital"})
    assert cancel.status_code == 200, cancel.text
    # followup has handled booking's cancellation: a task would have opened by now
    assert handled_by(f"sqlite:///{clinic.var_dir}/booking.db",
                      f"sqlite:///{clinic.var_dir}/followup.db",
                      "booking.appointment.cancelled", {"appointment_id": again["id"]})
    assert not [t for t in li("GET", "followup", "/tasks").json()
                if t["appointment_id"] == again["id"]]

    funnel = manager("GET", "followup", "/funnel?by=consultant").json()
    total = funnel["total"]
    assert (total["enquiries"], total["converted"]) == (1, 1)
    assert total["calls"]["no_answer"] == 3 and total["calls"]["do_not_call"] == 1
    assert funnel["tasks"]["hospital_cancelled"] == {"unreached": 1, "do_not_call": 1}
    assert clinic.stop() in (0, 130)
    assert clinic.left_behind() == [] and "| killed" not in clinic.log()
    assert "Traceback" not in clinic.log()
