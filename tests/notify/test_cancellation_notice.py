"""The notice of a visit the hospital cancelled (停诊: leave, or the expert's deactivation)
says the reason the admin typed for the patients (停诊原因（告知患者）), carried as the
cancellation's note; without one a neutral 医生停诊 — never "临时" (false for an expert
who left). With no place to offer, it still says how to book again: the hospital's phone.
The last test follows a leave from schedule's API through booking's real handlers to
notify's text."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from services.common.events import Event
from services.common.service import make_consumer
from services.notify.domain.rendering import Renderer
from services.notify.models import Message
from tests.support.booking import PHONES, Staff, bearer
from tests.support.notify import facts, told
from tests.support.schedule import Admin, local_today

OFFER = {"slot_id": 5, "expert_id": 4, "expert_name": "李晓梅", "remaining": 1,
         "start": "2026-12-01T01:00:00Z"}


def notice(channel: str, language: str, *, reason: str = "expert_unavailable",
           note: str | None = "专家调离本院", offers: bool = True) -> str:
    data = facts(status="cancelled", cancellation={
        "reason": reason, "note": note, "by": "system",
        "alternatives": [OFFER] if offers else []})
    return Renderer().render("cancellation", channel, language, told("cancelled", data)).body


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_the_notice_says_the_reason_the_admin_gave(channel) -> None:
    zh, en = notice(channel, "zh-CN"), notice(channel, "en")
    assert "原因：专家调离本院" in zh and zh.count("专家调离本院") == 1
    assert "the doctor is unavailable: 专家调离本院" in en and en.count("专家调离本院") == 1
    for body in (zh, en):
        assert "临时" not in body and "李晓梅" in body


@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.parametrize("note", [None, "", "  "])
def test_without_a_note_the_notice_says_a_neutral_doctor_stopped(channel, note) -> None:
    zh, en = notice(channel, "zh-CN", note=note), notice(channel, "en", note=note)
    assert "原因：医生停诊" in zh and "临时" not in zh
    assert "the doctor is unavailable" in en and "temporar" not in en.lower()
    assert "（）" not in zh and "()" not in en


def test_the_sms_says_how_to_book_again_when_no_place_is_offered() -> None:
    zh, en = notice("sms", "zh-CN", offers=False), notice("sms", "en", offers=False)
    assert zh.endswith("原因：专家调离本院。如需重新预约请致电021-5555 0100。"), zh
    assert en.endswith("(the doctor is unavailable: 专家调离本院). To book again, "
                       "call 021-5555 0100."), en
    assert "重新预约" in notice("email", "zh-CN", offers=False)
    assert "To book again" in notice("email", "en", offers=False)
    offered = notice("sms", "zh-CN")
    assert "改约请点：http://127.0.0.1:8002/p/token" in offered and "021-5555 0100" in offered


def test_a_patients_own_cancellation_is_told_as_before() -> None:
    zh = notice("sms", "zh-CN", reason="patient", note=None, offers=False)
    en = notice("sms", "en", reason="patient", note=None, offers=False)
    assert "原因：应您的要求。咨询电话021-5555 0100。" in zh and "重新预约" not in zh
    assert "(at your request). Call 021-5555 0100." in en


def test_a_desk_note_on_a_patients_own_cancellation_stays_with_the_desk() -> None:
    """The note of a cancellation the patient asked for is the desk's own (the link writes
    "cancelled through the patient link"): the email told it to the patient, in English."""
    for language in ("zh-CN", "en"):
        body = notice("email", language, reason="patient",
                      note="cancelled through the patient link", offers=False)
        assert "patient link" not in body, body


# --- from schedule's leave to notify's text -----------------------------------------------------

def _outbox(app: Flask, model: Any) -> list[Event]:
    with app.extensions["clinic"].db.reading() as session:
        return [Event.from_json(body)
                for body in session.scalars(select(model.body).order_by(model.id))]


def test_the_leave_reason_travels_from_schedule_to_the_patients_sms(make_app,
                                                                    auth_header) -> None:
    from services.booking.handlers import handlers as booking_handlers
    from services.booking.models import DeadLetter as BookingDead
    from services.booking.models import InboxRecord as BookingInbox
    from services.booking.models import OutboxMessage as BookingOutbox
    from services.notify.handlers import handlers as notify_handlers
    from services.notify.models import DeadLetter as NotifyDead
    from services.notify.models import InboxRecord as NotifyInbox
    from services.schedule.models import OutboxMessage as ScheduleOutbox

    schedule, booking, notify = make_app("schedule"), make_app("booking"), make_app("notify")
    rt_b, rt_n = booking.extensions["clinic"], notify.extensions["clinic"]
    consumers = [make_consumer(rt_b, booking_handlers(rt_b), BookingInbox, BookingDead),
                 make_consumer(rt_n, notify_handlers(rt_n), NotifyInbox, NotifyDead)]
    seen: set[str] = set()

    def deliver() -> None:
        """Each service's new outbox events to the consumers bound to them, until quiet."""
        while fresh := [e for app, model in ((schedule, ScheduleOutbox),
                                             (booking, BookingOutbox))
                        for e in _outbox(app, model) if e.id not in seen]:
            for each in fresh:
                seen.add(each.id)
                for consumer in consumers:
                    if each.type in consumer.handlers:
                        consumer.handle(each)

    admin = Admin(schedule, auth_header("admin"))
    assert admin.put("/api/v1/hospital", json={
        "name": "仁和医院", "address": "示范路 100 号", "directions": "地铁 2 号线",
        "phone": "021-5555 0100", "time_zone": "Asia/Shanghai",
        "language": "zh-CN"}).status_code == 200
    department = admin.department()
    wang = admin.expert(department["id"])
    # the day after tomorrow, his only day in what is published (a weekly session on
    # today's weekday would give him today's too, before it ends)
    his_day = local_today() + timedelta(days=2)
    assert admin.template(wang["id"], weekday=his_day.isoweekday()).status_code == 201
    assert admin.post("/api/v1/publish", json={"days": 3}).status_code == 200, "his one day"
    deliver()
    [first] = admin.slots(wang["id"], his_day)[:1]
    booked = Staff(booking, bearer("consultant", "chen")).book(first["slot_id"],
                                                                phone=PHONES[0])
    assert booked.status_code == 201, booked.json

    leave = admin.post(f"/api/v1/experts/{wang['id']}/leave",
                       json={"date": his_day.isoformat(), "reason": "外出义诊"})
    assert leave.status_code == 201, leave.json
    deliver()

    with notify.extensions["clinic"].db.reading() as session:
        [sms] = session.scalars(select(Message).where(
            Message.template == "cancellation", Message.channel == "sms")).all()
    assert "原因：外出义诊。" in sms.body and "临时" not in sms.body, sms.body
    assert "如需重新预约请致电021-5555 0100。" in sms.body, "his only day: no place to offer"
