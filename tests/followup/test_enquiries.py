"""Enquiries: recorded by a consultant, called back only with consent, converted by a
booking of the same name and phone — and not by the phone alone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from services.followup.models import Enquiry, Task
from services.followup.worker import open_due_enquiry_tasks
from tests.support.followup import Caller, Feed, Person


def open_tasks(app) -> int:
    return open_due_enquiry_tasks(app.extensions["clinic"])


def test_an_enquiry_is_recorded_open_with_its_phone_masked_in_lists(app, li: Caller) -> None:
    made = li.enquiry("张三", "138 0013 8000")
    assert made.status_code == 201, made.json
    assert made.json["status"] == "open" and made.json["phone"] == "+8613800138000"
    assert made.json["recorded_by"] == "li"
    listed = li.get("/api/v1/enquiries").json
    assert [(e["id"], e["phone"]) for e in listed] == [(made.json["id"], "138****8000")]
    one = li.get(f"/api/v1/enquiries/{made.json['id']}").json
    assert one["phone"] == "138****8000" and one["complaint"] == "胃痛一周"
    assert li.get("/api/v1/enquiries", query_string={"status": "converted"}).json == []


def test_the_same_key_records_one_enquiry(app, li: Caller) -> None:
    body = {"name": "张三", "phone": "13800138000", "channel": "phone", "call_consent": True}
    first = li.post("/api/v1/enquiries", json=body, headers={"Idempotency-Key": "e-1"})
    second = li.post("/api/v1/enquiries", json=body, headers={"Idempotency-Key": "e-1"})
    assert first.status_code == second.status_code == 201
    assert first.json["id"] == second.json["id"]
    other = li.post("/api/v1/enquiries", json={**body, "name": "李四"},
                    headers={"Idempotency-Key": "e-1"})
    assert other.status_code == 422  # the same key for another body is a mistake
    with app.extensions["clinic"].db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Enquiry)) == 1


def test_bad_enquiries_are_refused(app, li: Caller) -> None:
    assert li.enquiry(phone="12345").status_code == 422
    assert li.enquiry(name="   ").status_code == 422
    assert li.enquiry(channel="pigeon").status_code == 422
    assert li.enquiry(department_id=2**40).status_code == 422
    assert li.get("/api/v1/enquiries", query_string={"from": "2026-11-25",
                                                      "to": "2026-11-24"}).status_code == 422
    manager = Caller(app, "boss", role="manager")
    assert manager.enquiry().status_code == 403
    assert manager.get("/api/v1/enquiries").status_code == 200


def test_only_an_enquiry_with_consent_is_called_back_and_only_after_a_day(
        app, li: Caller, clock) -> None:
    agreed = li.enquiry("张三", "13800138000", call_consent=True).json
    li.enquiry("李四", "13912345678", call_consent=False)
    clock.advance(timedelta(hours=23))
    assert open_tasks(app) == 0
    clock.advance(timedelta(hours=1, minutes=1))
    assert open_tasks(app) == 1
    assert open_tasks(app) == 0  # the timer again opens nothing more
    task = li.tasks()[0]
    assert (task["kind"], task["enquiry_id"]) == ("enquiry", agreed["id"])
    assert task["context"]["complaint"] == "胃痛一周"


def test_a_booking_of_the_same_name_and_phone_converts_the_enquiry(
        app, feed: Feed, li: Caller, clock) -> None:
    enquiry = li.enquiry(" ＺＨＡＮＧ  San ", "13800138000").json
    _, booked = feed.booked(Person("zhang san", "+8613800138000"), code="BCDFGHJK")
    converted = li.get(f"/api/v1/enquiries/{enquiry['id']}").json
    assert converted["status"] == "converted" and converted["appointment_code"] == "BCDFGHJK"
    assert converted["recorded_by"] == "li"  # credited to the consultant who recorded it
    clock.advance(timedelta(days=2))
    assert open_tasks(app) == 0  # nobody calls someone who booked
    feed.checked_in(Person("zhang san", "+8613800138000"),
                    appointment_id=booked.appointment_id)
    assert li.get(f"/api/v1/enquiries/{enquiry['id']}").json["arrived_at"] is not None


def test_a_booking_on_the_same_phone_under_another_name_converts_nothing(
        app, feed: Feed, li: Caller, clock) -> None:
    mother = li.enquiry("王芳", "13800138000").json
    feed.booked(Person("王小明", "+8613800138000"))  # her son, on her phone
    assert li.get(f"/api/v1/enquiries/{mother['id']}").json["status"] == "open"
    clock.advance(timedelta(hours=25))
    assert open_tasks(app) == 1
    feed.booked(Person("王芳", "+8613900000000"))  # her name, another phone
    assert li.get(f"/api/v1/enquiries/{mother['id']}").json["status"] == "open"
    feed.booked(Person("王芳", "+8613800138000"))
    assert li.get(f"/api/v1/enquiries/{mother['id']}").json["status"] == "converted"
    with app.extensions["clinic"].db.reading() as session:
        task = session.scalars(select(Task)).one()
    assert task.status == "booked"  # her call-back closes: she booked


def test_a_batch_of_enquiries_takes_its_phones_turns_in_one_order(
        app, li: Caller, clock, monkeypatch) -> None:
    """Two workers opening enquiry batches that share phones must take the phones' turns
    in the same order, or each could hold one and wait for the other's. The batch takes
    every turn first, sorted, whatever order the enquiries came in."""
    import services.followup.ops.do_not_call as do_not_call

    for name, phone in (("张三", "13900000003"), ("李四", "13900000001"),
                        ("王五", "13900000002"), ("赵六", "13900000001")):
        li.enquiry(name, phone, call_consent=True)
        clock.advance(timedelta(minutes=1))
    clock.advance(timedelta(days=1))
    turns: list[str] = []
    real = do_not_call.take_turns
    monkeypatch.setattr(do_not_call, "take_turns",
                        lambda session, phone: (turns.append(phone), real(session, phone)))
    assert open_tasks(app) == 4
    first = turns[:3]
    assert first == sorted(first) == ["+8613900000001", "+8613900000002", "+8613900000003"]
