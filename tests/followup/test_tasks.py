"""Tasks open from booking's events, are claimed by one consultant, called within the
rules and closed by what the calls came to (SPEC §9)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import func, select

from services.followup.models import AccessRecord, CallAttempt, Task
from tests.followup.conftest import SHANGHAI
from tests.support.followup import Caller, Feed, Person


def only_task(caller: Caller, **query) -> dict:
    tasks = caller.tasks(**query)
    assert len(tasks) == 1, tasks
    return tasks[0]


def count(app, model, *where) -> int:
    with app.extensions["clinic"].db.reading() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_hospital_cancellation_opens_one_task_and_those_no_sms_reached_come_first(
        app, feed: Feed, li: Caller) -> None:
    reached = Person("张三", "+8613800138000")
    landline = Person("李四", "+862155550123", mobile=False)
    no_consent = Person("王五", "+8613912345678", sms_consent=False)
    feed.cancelled(reached)
    feed.cancelled(landline, reason="hospital")
    feed.cancelled(no_consent)
    feed.cancelled(Person("赵六", "+8613700001111"), reason="patient")  # the patient's own
    tasks = li.tasks()
    assert [t["patient"]["name"] for t in tasks][:2] == ["李四", "王五"]
    assert [t["patient"]["name"] for t in tasks][2] == "张三"
    assert len(tasks) == 3
    first = tasks[0]
    assert first["kind"] == "hospital_cancelled" and first["sms_reached"] is False
    assert first["patient"]["phone"] == "21****0123"  # masked in the list
    assert first["section"] == "due_now" and first["attempts"] == 0
    assert first["context"]["expert"] == "张伟 主任医师"
    assert [a["expert"] for a in first["context"]["alternatives"]] == ["李娜", "李娜"]


def test_a_redelivered_or_republished_event_opens_no_second_task(app, feed: Feed,
                                                                 li: Caller) -> None:
    person = Person()
    event = feed.cancelled(person, appointment_id=4242)
    feed.again(event)  # the same event, delivered twice
    feed.cancelled(person, appointment_id=4242)  # the same fact under a new event id
    no_show = feed.no_show(person, appointment_id=4343)
    feed.again(no_show)
    assert sorted(t["kind"] for t in li.tasks()) == ["hospital_cancelled", "no_show"]
    assert count(app, Task) == 2


def test_a_no_show_undone_withdraws_its_task_and_a_booking_closes_the_patients_tasks(
        app, feed: Feed, li: Caller) -> None:
    mistaken, missed = Person("张三"), Person("李四", "+8613912345678")
    feed.no_show(mistaken, appointment_id=1)
    feed.no_show_undone(mistaken, appointment_id=1)
    assert li.tasks() == []
    feed.no_show(mistaken, appointment_id=1)  # marked again: the same task opens again
    assert [(t["patient"]["name"], t["status"]) for t in li.tasks()] == [("张三", "open")]
    feed.no_show_undone(mistaken, appointment_id=1)
    feed.no_show(missed, appointment_id=2)
    sibling = Person("李小四", "+8613912345678")  # the same phone, another person
    feed.booked(sibling)
    assert [t["patient"]["name"] for t in li.tasks()] == ["李四"]
    feed.booked(missed)
    assert li.tasks() == []
    assert [t["status"] for t in li.tasks(status="withdrawn")] == ["withdrawn"]
    assert [t["status"] for t in li.tasks(status="booked")] == ["booked"]


def test_a_claim_gives_the_task_to_one_consultant_for_fifteen_minutes(
        app, feed: Feed, li: Caller, wang: Caller, clock) -> None:
    feed.no_show(Person())
    task = only_task(li)
    assert li.claim(task["id"]).status_code == 200
    taken = wang.claim(task["id"])
    assert taken.status_code == 409 and taken.json["code"] == "claimed"
    assert wang.call(task["id"], "no_answer").json["code"] == "not_claimed"
    assert only_task(wang)["claimed_by"] == "li"
    clock.advance(timedelta(minutes=16))
    assert wang.claim(task["id"]).status_code == 200
    assert li.call(task["id"], "no_answer").json["code"] == "not_claimed"


def test_two_consultants_claiming_at_once_one_gets_it(app, feed: Feed) -> None:
    feed.no_show(Person())
    callers = [Caller(app, f"c{n}") for n in range(6)]
    task_id = only_task(callers[0])["id"]
    start = threading.Barrier(len(callers))
    codes: list[int] = []

    def claim(caller: Caller) -> None:
        start.wait()
        codes.append(caller.claim(task_id).status_code)

    threads = [threading.Thread(target=claim, args=(c,)) for c in callers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200] + [409] * (len(callers) - 1)


def test_the_full_phone_only_on_the_claimers_card_and_each_read_is_logged(
        app, feed: Feed, li: Caller, wang: Caller) -> None:
    person = Person("张三", "+8613800138000")
    feed.cancelled(person)
    task_id = only_task(li)["id"]
    assert li.get(f"/api/v1/tasks/{task_id}").json["patient"]["phone"] == "138****8000"
    assert count(app, AccessRecord) == 0
    li.claim(task_id)
    card = li.get(f"/api/v1/tasks/{task_id}").json
    assert card["patient"]["phone"] == "+8613800138000"
    assert card["hospital"]["address"] == "上海市黄浦区示范路 100 号"
    assert card["hospital"]["directions"].startswith("地铁 2 号线")
    assert card["context"]["code"] == "K7QM4TZP" and card["context"]["reason"] == \
        "expert_unavailable"
    assert wang.get(f"/api/v1/tasks/{task_id}").json["patient"]["phone"] == "138****8000"
    with app.extensions["clinic"].db.reading() as session:
        rows = session.scalars(select(AccessRecord)).all()
    assert [(r.staff, r.patient_id, r.action) for r in rows] == [("li", person.id, "call_card")]
    admin = Caller(app, "root", role="admin")
    log = admin.get("/api/v1/access-log", query_string={"patient_id": person.id}).json
    assert [(r["service"], r["staff"], r["action"]) for r in log] == [
        ("followup", "li", "call_card")]


def test_three_unanswered_calls_two_hours_apart_close_the_task_as_unreached(
        app, feed: Feed, li: Caller, clock) -> None:
    feed.no_show(Person())
    task_id = only_task(li)["id"]
    for attempt, outcome in enumerate(("no_answer", "busy", "switched_off"), start=1):
        assert li.claim(task_id).status_code == 200
        answer = li.call(task_id, outcome, note=f"第{attempt}次")
        assert answer.status_code == 201, answer.json
        assert answer.json["attempts"] == attempt
        if attempt < 3:
            assert answer.json["status"] == "open" and answer.json["section"] == "later"
            due = datetime.fromisoformat(answer.json["due_at"])
            assert due >= clock.now() + timedelta(hours=2) - timedelta(seconds=1)
            early = li.claim(task_id)
            assert early.status_code == 409 and early.json["code"] == "not_due"
            clock.advance(timedelta(hours=2, minutes=1))
    assert answer.json["status"] == "unreached"
    assert li.tasks() == []
    assert li.claim(task_id).json["code"] == "closed"
    assert count(app, CallAttempt) == 3


def test_an_unanswered_call_late_in_the_day_is_due_the_next_morning(
        app, feed: Feed, li: Caller, clock) -> None:
    clock.set(datetime(2026, 11, 24, 19, 0, tzinfo=SHANGHAI))
    feed.no_show(Person())
    task_id = only_task(li)["id"]
    li.claim(task_id)
    answer = li.call(task_id, "no_answer").json
    assert datetime.fromisoformat(answer["due_at"]) == datetime(2026, 11, 25, 9, 0,
                                                                tzinfo=SHANGHAI)
    clock.set(datetime(2026, 11, 25, 8, 59, tzinfo=SHANGHAI))
    assert li.claim(task_id).json["code"] == "not_due"
    clock.set(datetime(2026, 11, 25, 9, 1, tzinfo=SHANGHAI))
    assert li.claim(task_id).status_code == 200


def test_nobody_is_called_outside_calling_hours(app, feed: Feed, li: Caller, clock) -> None:
    clock.set(datetime(2026, 11, 24, 21, 30, tzinfo=SHANGHAI))
    feed.cancelled(Person())
    task = only_task(li)
    assert datetime.fromisoformat(task["due_at"]) == datetime(2026, 11, 25, 9, 0,
                                                              tzinfo=SHANGHAI)
    assert task["section"] == "later"
    refused = li.claim(task["id"])
    assert refused.status_code == 409 and refused.json["code"] == "not_due"
    clock.set(datetime(2026, 11, 25, 20, 30, tzinfo=SHANGHAI))  # due, but after hours
    refused = li.claim(task["id"])
    assert refused.status_code == 409 and refused.json["code"] == "outside_calling_hours"


def test_a_call_back_booked_declined_and_wrong_number_end_as_they_should(
        app, feed: Feed, li: Caller, clock) -> None:
    people = [Person(name, f"+86139000000{n}") for n, name in enumerate("甲乙丙丁")]
    for person in people:
        feed.no_show(person)
    ids = {t["patient"]["name"]: t["id"] for t in li.tasks()}
    li.claim(ids["甲"])
    later = (clock.now() + timedelta(hours=3)).isoformat()
    assert li.call(ids["甲"], "call_back").json["code"] == "call_back_at_required"
    again = li.call(ids["甲"], "call_back", call_back_at=later).json
    assert again["status"] == "open" and again["attempts"] == 0
    assert datetime.fromisoformat(again["due_at"]) == datetime.fromisoformat(later)
    li.claim(ids["乙"])
    assert li.call(ids["乙"], "booked").json["code"] == "appointment_code_required"
    # any code is not enough: booking must have made it for 乙 (tests/followup/test_facts.py)
    assert li.call(ids["乙"], "booked", appointment_code="bcdfghjk").json["code"] == \
        "unknown_appointment"
    from services.common.contracts.booking import AppointmentBooked
    from services.followup.ops.appointments import made

    rt = app.extensions["clinic"]
    with rt.db.transaction() as session:
        made(session, feed.appointment(AppointmentBooked, people[1], code="BCDFGHJK"), rt.now())
    assert li.call(ids["乙"], "booked", appointment_code="bcdfghjk").json["status"] == "booked"
    li.claim(ids["丙"])
    assert li.call(ids["丙"], "declined", objection="time").json["status"] == "declined"
    li.claim(ids["丁"])
    assert li.call(ids["丁"], "wrong_number").json["status"] == "wrong_number"
    with app.extensions["clinic"].db.reading() as session:
        codes = session.scalars(select(CallAttempt.appointment_code)
                                .where(CallAttempt.outcome == "booked")).all()
    assert codes == ["BCDFGHJK"]


def test_a_logged_call_with_the_same_key_is_logged_once(app, feed: Feed, li: Caller) -> None:
    feed.no_show(Person())
    task_id = only_task(li)["id"]
    li.claim(task_id)
    key = {"Idempotency-Key": "call-1"}
    first = li.post(f"/api/v1/tasks/{task_id}/calls", json={"outcome": "no_answer"},
                    headers=key)
    second = li.post(f"/api/v1/tasks/{task_id}/calls", json={"outcome": "no_answer"},
                     headers=key)
    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    assert count(app, CallAttempt) == 1


def test_only_consultants_work_tasks(app, feed: Feed) -> None:
    feed.no_show(Person())
    for role in ("manager", "admin", "frontdesk"):
        other = Caller(app, "x", role=role)
        assert other.get("/api/v1/tasks").status_code == 403
        assert other.post("/api/v1/tasks/1/claim").status_code == 403
    nobody = app.test_client()
    assert nobody.get("/api/v1/tasks").status_code == 401


def test_bad_input_is_refused_without_a_500(app, feed: Feed, li: Caller) -> None:
    feed.no_show(Person())
    task_id = only_task(li)["id"]
    li.claim(task_id)
    assert li.call(task_id, "shouted").status_code == 422
    assert li.call(task_id, "call_back", call_back_at="tomorrow").status_code == 422
    assert li.call(task_id, "call_back", call_back_at="2026-11-25T10:00:00").status_code == 422
    assert li.call(task_id, "booked", appointment_code="'; drop").status_code == 422
    assert li.call(999999, "no_answer").status_code == 404
    assert li.get("/api/v1/tasks", query_string={"kind": "gossip"}).status_code == 422
    assert li.get("/api/v1/tasks/2147483648").status_code == 404


def test_a_patient_who_books_again_through_their_link_is_not_called(app, feed: Feed,
                                                                     li: Caller) -> None:
    """After a 停诊 the patient took an offered place on their own: booking tells it as a
    reschedule, and the task closes as booked."""
    from services.common.contracts.booking import AppointmentRescheduled, PreviousPlace

    person = Person()
    feed.cancelled(person, appointment_id=77)
    assert len(li.tasks()) == 1
    moved = feed.appointment(AppointmentRescheduled, person, appointment_id=77,
                             previous=None)
    moved = AppointmentRescheduled(**{**moved.__dict__, "previous": PreviousPlace(
        slot=moved.slot, expert=moved.expert, department=moved.department, queue_number=1)})
    feed.deliver(moved)
    assert li.tasks() == []
    assert [t["kind"] for t in li.tasks(status="booked")] == ["hospital_cancelled"]
