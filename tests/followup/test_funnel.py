"""The funnel counts enquiries, conversions and arrivals by consultant, channel and
department, and every call by outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.followup.worker import open_due_enquiry_tasks
from tests.support.followup import Caller, Feed, Person


@pytest.fixture
def story(app, feed: Feed, li: Caller, wang: Caller, clock) -> None:
    """li records three enquiries (two by chat), wang one; two become bookings, one of
    them arrives; one call-back goes unanswered; a no-show is called and declines."""
    li.enquiry("张三", "13800138000", channel="chat", department_id=2, call_consent=False)
    li.enquiry("李四", "13912345678", channel="chat", department_id=2, call_consent=False)
    li.enquiry("王五", "13700001111", channel="phone", call_consent=True)
    wang.enquiry("赵六", "13600002222", channel="wechat", department_id=2, call_consent=False)
    _, booked = feed.booked(Person("张三", "+8613800138000"))
    feed.booked(Person("赵六", "+8613600002222"))
    feed.checked_in(Person("张三", "+8613800138000"), appointment_id=booked.appointment_id)
    clock.advance(timedelta(hours=25))
    open_due_enquiry_tasks(app.extensions["clinic"])
    feed.no_show(Person("钱七", "+8613500003333"))
    for task in wang.tasks():
        wang.claim(task["id"])
        if task["kind"] == "enquiry":
            wang.call(task["id"], "no_answer")
        else:
            wang.call(task["id"], "declined", objection="price")


def test_by_consultant(app, story) -> None:
    manager = Caller(app, "boss", role="manager")
    answer = manager.get("/api/v1/funnel", query_string={"by": "consultant"})
    assert answer.status_code == 200, answer.json
    rows = {r["group"]: r for r in answer.json["rows"]}
    assert (rows["li"]["enquiries"], rows["li"]["converted"], rows["li"]["arrived"]) == (3, 1, 1)
    assert rows["li"]["conversion_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert rows["li"]["arrival_rate"] == 1.0
    assert (rows["wang"]["enquiries"], rows["wang"]["converted"]) == (1, 1)
    assert rows["wang"]["calls"]["no_answer"] == 1 and rows["wang"]["calls"]["declined"] == 1
    total = answer.json["total"]
    assert (total["enquiries"], total["converted"], total["arrived"]) == (4, 2, 1)
    assert total["conversion_rate"] == 0.5 and total["arrival_rate"] == 0.5
    assert total["calls"]["no_answer"] == 1 and total["calls"]["declined"] == 1
    assert answer.json["tasks"]["enquiry"] == {"open": 1}
    assert answer.json["tasks"]["no_show"] == {"declined": 1}


def test_by_channel_and_department(app, story) -> None:
    admin = Caller(app, "root", role="admin")
    channels = {r["group"]: r for r in admin.get(
        "/api/v1/funnel", query_string={"by": "channel"}).json["rows"]}
    assert {k: (v["enquiries"], v["converted"]) for k, v in channels.items()} == {
        "chat": (2, 1), "phone": (1, 0), "wechat": (1, 1)}
    assert channels["phone"]["calls"]["no_answer"] == 1  # the call about that enquiry
    departments = admin.get("/api/v1/funnel", query_string={"by": "department"}).json["rows"]
    assert [(r["group"], r["name"], r["enquiries"]) for r in departments] == [
        ("2", "消化内科", 3), ("", "", 1)]  # those without a department last


def test_the_period_and_who_may_read_it(app, story, li: Caller) -> None:
    manager = Caller(app, "boss", role="manager")
    assert li.get("/api/v1/funnel", query_string={"by": "channel"}).status_code == 403
    assert [r["group"] for r in li.get("/api/v1/funnel").json["rows"]] == ["li"]  # theirs
    empty = manager.get("/api/v1/funnel", query_string={"from": "2026-01-01",
                                                        "to": "2026-01-31"}).json
    assert empty["rows"] == [] and empty["total"]["enquiries"] == 0
    assert empty["total"]["conversion_rate"] is None
    assert manager.get("/api/v1/funnel", query_string={"from": "2024-01-01",
                                                       "to": "2026-01-31"}).status_code == 422
    assert manager.get("/api/v1/funnel", query_string={"from": "2026-02-01",
                                                       "to": "2026-01-31"}).status_code == 422
    assert manager.get("/api/v1/funnel", query_string={"by": "mood"}).status_code == 422
