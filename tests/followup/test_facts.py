"""Outcomes are facts, not claims (SPEC §9, issue 27): a ``booked`` call names an
appointment booking really made for the task's patient after the task opened; booking
from the call card logs the call by itself; a consultant reads their own funnel row;
pages name staff by their display names."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from services.common.config import DEFAULT_JWT_SECRET
from services.common.contracts.booking import AppointmentBooked
from services.common.tokens import issue_token
from services.followup.models import CallAttempt, KnownAppointment, Task
from services.followup.ops import appointments
from tests.support.followup import Caller, Feed, Person


def named(app, username: str, name: str) -> Caller:
    """A consultant whose token carries their display name, as schedule signs it."""
    caller = Caller(app, username)
    token = issue_token(DEFAULT_JWT_SECRET, username, ["consultant"], ttl_seconds=600,
                        name=name)
    caller.header = {"Authorization": f"Bearer {token}"}
    return caller


def calls(app) -> list[tuple[int, str, str, str | None]]:
    with app.extensions["clinic"].db.reading() as session:
        return [(c.task_id, c.by, c.outcome, c.appointment_code)
                for c in session.scalars(select(CallAttempt).order_by(CallAttempt.id))]


def my_funnel(caller: Caller) -> dict:
    answer = caller.get("/api/v1/funnel", query_string={"by": "consultant"})
    assert answer.status_code == 200, answer.json
    return answer.json


def test_a_booked_call_must_name_an_appointment_made_for_this_patient_since_the_task_opened(
        app, feed: Feed, li: Caller, clock) -> None:
    person, other = Person("张三", "+8613800138000"), Person("李四", "+8613912345678")
    sibling = Person("张小三", "+8613800138000")  # the same phone, another person
    feed.booked(person, code="OLDCODE1")  # before the task opened
    clock.advance(timedelta(minutes=5))
    feed.no_show(person, appointment_id=8001)
    task_id = li.tasks()[0]["id"]
    feed.booked(other, code="OTHERCD1")
    feed.booked(sibling, code="SIBLING1")
    assert li.tasks()[0]["id"] == task_id  # still open: none of those was this patient's
    li.claim(task_id)
    for code in ("ZZZZZZZZ", "OTHERCD1", "SIBLING1", "oldcode1", "K7QM4TZP"):
        refused = li.call(task_id, "booked", appointment_code=code)
        assert refused.status_code == 422, (code, refused.json)
        assert refused.json["code"] == "unknown_appointment", code
    assert calls(app) == []
    funnel = my_funnel(li)
    assert funnel["rows"][0]["calls"]["booked"] == 0 and funnel["total"]["calls"]["booked"] == 0

    # Booking's event for a new appointment of this patient, learned while the task is
    # still open (the event is what closes it, so this is the moment before): it counts.
    event = feed.appointment(AppointmentBooked, person,
                             code="NEWCODE1")
    rt = app.extensions["clinic"]
    with rt.db.transaction() as session:
        appointments.made(session, event, rt.now())
    answer = li.call(task_id, "booked", appointment_code="newcode1")
    assert answer.status_code == 201, answer.json
    assert answer.json["status"] == "booked" and answer.json["booked_code"] == "NEWCODE1"
    assert calls(app) == [(task_id, "li", "booked", "NEWCODE1")]
    assert my_funnel(li)["rows"][0]["calls"]["booked"] == 1


def test_a_cancelled_appointment_is_no_booking_to_name(app, feed: Feed, li: Caller) -> None:
    person = Person()
    feed.no_show(person, appointment_id=8101)
    task_id = li.tasks()[0]["id"]
    event = feed.appointment(AppointmentBooked, person,
                             appointment_id=8102, code="GONECODE")
    rt = app.extensions["clinic"]
    with rt.db.transaction() as session:
        appointments.made(session, event, rt.now())
    feed.cancelled(person, appointment_id=8102, reason="patient", code="GONECODE")
    li.claim(task_id)
    assert li.call(task_id, "booked", appointment_code="GONECODE").json["code"] == \
        "unknown_appointment"


def test_booking_from_the_call_card_logs_the_booked_call_in_the_consultants_name(
        app, feed: Feed, li: Caller, wang: Caller) -> None:
    held, theirs, nobodys = (Person("张三", "+8613800138000"), Person("李四", "+8613912345678"),
                             Person("王五", "+8613700001111"))
    for person in (held, theirs, nobodys):
        feed.cancelled(person)
    ids = {t["patient"]["name"]: t["id"] for t in li.tasks()}
    li.claim(ids["张三"])
    wang.claim(ids["李四"])
    event, _ = feed.booked(held, code="NEWCODE1")  # booked_by li, from her call card
    feed.again(event)  # a redelivery logs nothing more
    feed.booked(theirs, code="NEWCODE2")  # li booked the patient wang was calling
    feed.booked(nobodys, code="NEWCODE3")
    assert li.tasks() == []
    assert calls(app) == [(ids["张三"], "li", "booked", "NEWCODE1")]
    card = li.get(f"/api/v1/tasks/{ids['张三']}").json
    assert (card["status"], card["last_outcome"], card["booked_code"]) == (
        "booked", "booked", "NEWCODE1")
    assert [(c["by"], c["outcome"], c["appointment_code"]) for c in card["calls"]] == [
        ("li", "booked", "NEWCODE1")]
    other = wang.get(f"/api/v1/tasks/{ids['李四']}").json
    assert (other["status"], other["booked_code"], other["calls"]) == ("booked", "NEWCODE2", [])
    closed = li.call(ids["李四"], "booked", appointment_code="NEWCODE2")
    assert closed.status_code == 409 and closed.json["code"] == "closed"
    mine = my_funnel(li)
    assert [r["group"] for r in mine["rows"]] == ["li"]
    assert mine["rows"][0]["calls"]["booked"] == 1
    boss = Caller(app, "boss", role="manager")
    assert boss.get("/api/v1/funnel").json["total"]["calls"]["booked"] == 1


def test_a_claim_long_run_out_is_no_call_from_the_card(app, feed: Feed, li: Caller,
                                                       clock) -> None:
    person = Person()
    feed.cancelled(person)
    task_id = li.tasks()[0]["id"]
    li.claim(task_id)
    clock.advance(timedelta(minutes=31))  # the claim ran out 16 minutes ago
    feed.booked(person, code="NEWCODE1")
    assert calls(app) == []
    with app.extensions["clinic"].db.reading() as session:
        task = session.get(Task, task_id)
        assert task is not None and (task.status, task.booked_code) == ("booked", "NEWCODE1")


def test_a_consultant_reads_their_own_funnel_row_only(app, feed: Feed, li: Caller,
                                                      wang: Caller) -> None:
    li.enquiry("张三", "13800138000", call_consent=False)
    wang.enquiry("李四", "13912345678", call_consent=False)
    wang.enquiry("王五", "13700001111", call_consent=False)
    feed.booked(Person("李四", "+8613912345678"))
    mine = my_funnel(wang)
    assert [(r["group"], r["enquiries"], r["converted"]) for r in mine["rows"]] == [
        ("wang", 2, 1)]
    assert (mine["total"]["enquiries"], mine["total"]["converted"]) == (2, 1)
    assert mine["tasks"] == {"enquiry": {}, "no_show": {}, "hospital_cancelled": {},
                             "satisfaction": {}}
    assert li.get("/api/v1/funnel").json["rows"][0]["group"] == "li"  # by=consultant default
    fresh = my_funnel(Caller(app, "zhao"))
    assert [(r["group"], r["enquiries"]) for r in fresh["rows"]] == [("zhao", 0)]
    for by in ("channel", "department"):
        assert li.get("/api/v1/funnel", query_string={"by": by}).status_code == 403
    boss = Caller(app, "boss", role="manager")
    assert {r["group"] for r in boss.get("/api/v1/funnel").json["rows"]} == {"li", "wang"}


def test_staff_are_named_by_their_display_names(app, feed: Feed, wang: Caller) -> None:
    chen = named(app, "consultant", "陈晓雯")
    feed.no_show(Person())
    task_id = wang.tasks()[0]["id"]
    assert chen.claim(task_id).json["claimed_by_name"] == "陈晓雯"
    listed = wang.tasks()[0]
    assert (listed["claimed_by"], listed["claimed_by_name"]) == ("consultant", "陈晓雯")
    chen.call(task_id, "call_back", note="下午", call_back_at="2026-11-24T15:00:00+08:00")
    card = chen.get(f"/api/v1/tasks/{task_id}").json
    assert [(c["by"], c["by_name"]) for c in card["calls"]] == [("consultant", "陈晓雯")]
    boss = Caller(app, "boss", role="manager")
    rows = boss.get("/api/v1/funnel").json["rows"]
    assert [(r["group"], r["name"]) for r in rows] == [("consultant", "陈晓雯")]
    chen.enquiry("张三", "13800138000")
    assert my_funnel(chen)["rows"][0]["name"] == "陈晓雯"


def test_erasure_forgets_the_appointments_booking_told_of(app, feed: Feed) -> None:
    person = Person("张三", "+8613800138000", patient_id=703)
    _, booked = feed.booked(person, code="BCDFGHJK")
    keep = Person("李四", "+8613912345678")
    feed.booked(keep, code="KEEPCODE")
    admin = Caller(app, "root", role="admin")
    export = admin.get("/api/v1/patients/703/export").json
    assert [(a["code"], a["phone"]) for a in export["appointments"]] == [
        ("BCDFGHJK", "+8613800138000")]
    feed.erased(703, [booked.appointment_id])
    with app.extensions["clinic"].db.reading() as session:
        left = [(a.code, a.phone) for a in session.scalars(select(KnownAppointment))]
    assert left == [("KEEPCODE", "+8613912345678")]
    assert admin.get("/api/v1/patients/703/export").json["appointments"] == []
