"""Do-not-call is final for a phone across every kind of task, until an admin removes it at
the patient's request, with the reason."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

from services.followup.worker import open_due_enquiry_tasks
from tests.support.bus import wait_until
from tests.support.followup import Caller, Feed, Person


def test_do_not_call_on_a_call_stops_every_later_task_for_that_phone(
        app, feed: Feed, li: Caller, clock) -> None:
    person = Person("张三", "+8613800138000")
    feed.no_show(person)
    enquiry_first = li.enquiry("张小三", "13800138000", call_consent=True).json
    task = li.tasks()[0]
    li.claim(task["id"])
    closed = li.call(task["id"], "do_not_call", note="患者要求不再来电")
    assert closed.status_code == 201 and closed.json["status"] == "do_not_call"
    # every kind of task, for anyone on that phone, opens no more
    feed.cancelled(person)
    feed.no_show(Person("张小三", "+8613800138000"))
    li.enquiry("张三", "13800138000", call_consent=True)
    clock.advance(timedelta(days=2))
    assert open_due_enquiry_tasks(app.extensions["clinic"]) == 0
    assert li.tasks() == []
    listed = li.get("/api/v1/do-not-call").json
    assert [(e["phone"], e["active"], e["reason"], e["added_by"]) for e in listed] == [
        ("138****8000", True, "患者要求不再来电", "li")]
    assert enquiry_first["status"] == "open"


def test_putting_a_phone_on_the_list_closes_its_open_tasks(app, feed: Feed, li: Caller) -> None:
    feed.no_show(Person("张三", "+8613800138000"))
    feed.cancelled(Person("张三", "+8613800138000"))
    feed.no_show(Person("李四", "+8613912345678"))
    added = li.post("/api/v1/do-not-call", json={"phone": "138-0013-8000", "reason": "投诉"})
    assert added.status_code == 201 and added.json["phone"] == "138****8000"
    assert [t["patient"]["name"] for t in li.tasks()] == ["李四"]
    assert sorted(t["kind"] for t in li.tasks(status="do_not_call")) == [
        "hospital_cancelled", "no_show"]
    again = li.post("/api/v1/do-not-call", json={"phone": "13800138000", "reason": "again"})
    assert again.status_code == 201 and again.json["reason"] == "投诉"  # the first reason stays


def test_only_an_admin_removes_an_entry_and_says_why(app, feed: Feed, li: Caller) -> None:
    entry = li.post("/api/v1/do-not-call", json={"phone": "13800138000"}).json
    path = f"/api/v1/do-not-call/{entry['id']}"
    assert li.delete(path, json={"reason": "患者来电要求恢复"}).status_code == 403
    admin = Caller(app, "root", role="admin")
    assert admin.delete(path, json={}).status_code == 422
    removed = admin.delete(path, json={"reason": "患者来电要求恢复"})
    assert removed.status_code == 200
    assert (removed.json["active"], removed.json["removed_by"], removed.json["removal_reason"]) \
        == (False, "root", "患者来电要求恢复")
    assert admin.delete(path, json={"reason": "twice"}).status_code == 404
    feed.no_show(Person("张三", "+8613800138000"))
    assert len(li.tasks()) == 1  # called again, as the patient asked


def test_the_list_is_for_staff_who_call(app) -> None:
    for role in ("manager", "frontdesk"):
        assert Caller(app, "x", role=role).get("/api/v1/do-not-call").status_code == 403
    assert Caller(app, "x", role="consultant").post(
        "/api/v1/do-not-call", json={"phone": "not a phone"}).status_code == 422


def test_enquiries_of_listed_phones_never_hold_up_the_others(app, li: Caller, clock) -> None:
    """The timer takes enquiries in batches, oldest first: ones it may never call must
    not fill the batch."""
    from services.common.unit_of_work import unit_of_work
    from services.followup.ops.tasks import open_enquiry_tasks

    li.post("/api/v1/do-not-call", json={"phone": "13800138000"})
    for n in range(3):
        li.enquiry(f"张{n}", "13800138000")
    clock.advance(timedelta(hours=1))
    li.enquiry("李四", "13912345678")
    clock.advance(timedelta(hours=25))
    rt = app.extensions["clinic"]
    with unit_of_work(rt, "system") as work:
        opened = open_enquiry_tasks(work.session, work.desk, limit=2)
    assert opened == 1
    assert [t["patient"]["name"] for t in li.tasks()] == ["李四"]


@pytest.mark.postgres
def test_a_phone_put_on_the_list_while_its_task_is_being_opened_is_not_called(
        pg_url, make_app, clock, monkeypatch) -> None:
    """A consultant puts a phone on the list while a no-show event for it is being turned
    into a task: the event's look at the list found nothing, and the list's closing of open
    tasks cannot see a task not yet committed. The two take turns per phone, so the
    task ends closed as do-not-call either way round."""
    import services.followup.ops.do_not_call as do_not_call

    app = make_app("followup", database_url=pg_url)
    feed, li = Feed(app), Caller(app, "li")
    watcher = create_engine(pg_url)
    real = do_not_call.on_the_list
    listed = threading.Event()
    answers: list[int] = []

    def then_a_consultant_lists_it(session, phone):
        found = real(session, phone)

        def put_on_the_list() -> None:
            answers.append(Caller(app, "wang").post(
                "/api/v1/do-not-call", json={"phone": phone, "reason": "投诉"}).status_code)
            listed.set()

        threading.Thread(target=put_on_the_list).start()
        assert wait_until(lambda: listed.is_set() or waiting_for_a_lock(watcher), timeout=10)
        return found

    monkeypatch.setattr(do_not_call, "on_the_list", then_a_consultant_lists_it)
    feed.no_show(Person("张三", "+8613800138000"))
    assert listed.wait(10) and answers == [201]
    assert li.tasks() == [], "nobody is given a phone on the do-not-call list to call"
    assert [t["kind"] for t in li.tasks(status="do_not_call")] == ["no_show"]
    watcher.dispose()


def waiting_for_a_lock(engine) -> bool:
    with engine.connect() as connection:
        return bool(connection.scalar(text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'")))
