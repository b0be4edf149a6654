"""What followup holds on a patient: exported whole to an admin, and after booking's
``booking.patient.erased`` nothing personal is left — the counts stay."""

from __future__ import annotations

from sqlalchemy import String, Text, select

from services.followup.models import AccessRecord, Base, Task
from tests.support.followup import Caller, Feed, Person

SECRETS = ("张三", "13800138000", "胃痛一周", "下午方便", "留言了")


def personal_rows(app) -> list[tuple[str, str]]:
    found = []
    with app.extensions["clinic"].db.reading() as session:
        for table in Base.metadata.sorted_tables:
            texts = [c for c in table.columns if isinstance(c.type, String | Text)]
            for row in session.execute(select(*texts)) if texts else ():
                found += [(table.name, value) for value in row if isinstance(value, str)
                          and any(secret in value for secret in SECRETS)]
    return found


def test_export_then_erasure(app, feed: Feed, li: Caller) -> None:
    person = Person("张三", "+8613800138000", patient_id=701)
    asked = li.enquiry("张三", "13800138000", note="下午方便").json
    unbooked = li.enquiry("张三", "13800138000", call_consent=False).json  # never converted
    _, booked = feed.booked(person, code="BCDFGHJK")
    missed = feed.no_show(person).data["appointment_id"]
    other = Person("李四", "+8613912345678")
    feed.no_show(other)
    task = next(t for t in li.tasks() if t["patient"]["id"] == 701)
    li.claim(task["id"])
    li.get(f"/api/v1/tasks/{task['id']}")  # the call card: full phone, logged
    li.call(task["id"], "call_back", note="留言了",
            call_back_at="2026-11-24T15:00:00+08:00")

    admin = Caller(app, "root", role="admin")
    assert li.get("/api/v1/patients/701/export").status_code == 403
    export = admin.get("/api/v1/patients/701/export").json
    assert export["service"] == "followup"
    assert sorted(e["id"] for e in export["enquiries"]) == sorted([asked["id"],
                                                                    unbooked["id"]])
    assert [e["phone"] for e in export["enquiries"]] == ["+8613800138000"] * 2
    assert [t["id"] for t in export["tasks"]] == [task["id"]]
    assert [c["note"] for c in export["calls"]] == ["留言了"]
    assert [r["action"] for r in export["access_log"]] == ["call_card"]
    funnel_before = admin.get("/api/v1/funnel").json["total"]

    erased = feed.erased(701, [booked.appointment_id, missed])
    feed.again(erased)  # a redelivery changes nothing
    assert personal_rows(app) == []
    with app.extensions["clinic"].db.reading() as session:
        statuses = {t.patient_id: t.status for t in session.scalars(select(Task))}
        actions = list(session.scalars(select(AccessRecord.action)))
    assert statuses == {701: "withdrawn", other.id: "open"}  # nobody calls an erased patient
    assert [t["patient"]["name"] for t in li.tasks()] == ["李四"]
    assert actions == ["call_card", "export"]  # the log itself names nobody
    assert admin.get("/api/v1/funnel").json["total"] == funnel_before  # the counts stay
    after = admin.get("/api/v1/patients/701/export").json
    assert all(e["phone"] == "" for e in after["enquiries"])


def test_erasure_finds_an_enquiry_by_the_name_and_phone_booking_knew(app, feed: Feed,
                                                                      li: Caller) -> None:
    """The enquiry was never converted, and the booking came from another consultant on
    another day: booking's events told followup who patient 702 is."""
    li.enquiry("张三", "13800138000", call_consent=True, complaint="胃痛一周")
    li.enquiry("张小三", "13800138000", complaint="咳嗽")  # the son, same phone: kept
    feed.cancelled(Person("张三", "+8613800138000", patient_id=702), reason="patient")
    feed.erased(702, [])
    assert personal_rows(app) == [("enquiries", "+8613800138000")]  # the son's, kept
    remaining = li.get("/api/v1/enquiries").json
    assert sorted(e["name"] for e in remaining) == ["张小三", "（已删除）"]
