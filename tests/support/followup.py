"""Followup test helpers: booking's events as booking's contracts define them, fed through
followup's own inbox consumer, and consultants' clients."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from services.common.contracts import Contract
from services.common.contracts.booking import (
    Alternative,
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentCheckedIn,
    AppointmentNoShow,
    Cancellation,
    CheckInUndone,
    DepartmentRef,
    ExpertRef,
    HospitalFacts,
    NoShowUndone,
    PatientContact,
    PatientErased,
    SlotTime,
)
from services.common.contracts.schedule import DepartmentUpdated
from services.common.events import Event
from services.common.service import make_consumer
from services.followup.handlers import handlers
from services.followup.models import DeadLetter, InboxRecord
from tests.support.booking import Staff, bearer

HOSPITAL = HospitalFacts(name="仁和医院", address="上海市黄浦区示范路 100 号",
                         directions="地铁 2 号线示范路站 3 号口", phone="021-5555 0100",
                         time_zone="Asia/Shanghai", language="zh-CN")


class Person:
    """A patient as booking names them in its events."""

    ids = itertools.count(100_000)  # far from the ids tests give by hand

    def __init__(self, name: str = "张三", phone: str = "+8613800138000", *,
                 sms_consent: bool = True, mobile: bool = True, patient_id: int | None = None,
                 satisfaction_consent: bool = False):
        self.name, self.phone = name, phone
        self.sms_consent, self.mobile = sms_consent, mobile
        self.satisfaction_consent = satisfaction_consent
        self.id = patient_id or next(self.ids)

    def contact(self) -> PatientContact:
        return PatientContact(id=self.id, name=self.name, phone=self.phone, mobile=self.mobile,
                              email=None, sms_consent=self.sms_consent, email_consent=False,
                              satisfaction_consent=self.satisfaction_consent)


class Feed:
    """Delivers booking's events to followup through its real inbox consumer and
    handlers, as its worker does; ``again`` redelivers one."""

    appointment_ids = itertools.count(9000)

    def __init__(self, app: Flask) -> None:
        rt = app.extensions["clinic"]
        self.consumer = make_consumer(rt, handlers(rt), InboxRecord, DeadLetter)
        self.deliver(HOSPITAL)
        self.deliver(DepartmentUpdated(id=2, code="D2", name="消化内科",
                                       location="门诊楼 3 楼 B 区", active=True))

    def deliver(self, message: Contract, event_id: str | None = None) -> Event:
        event = Event(type=message.TYPE, data=message.to_data(), source="booking",
                      id=event_id or str(uuid.uuid4()))
        self.consumer.handle(event)
        return event

    def again(self, event: Event) -> None:
        self.consumer.handle(event)

    def appointment(self, kind: type[Any], person: Person, *, appointment_id: int | None = None,
                    start: datetime | None = None, code: str = "K7QM4TZP",
                    **extra: Any) -> Any:
        start = start or (datetime.now(UTC) + timedelta(days=2)).replace(
            minute=0, second=0, microsecond=0)
        return kind(
            appointment_id=appointment_id or next(self.appointment_ids), code=code,
            status="booked", queue_number=3, channel="chat", overbooked=False, booked_by="li",
            slot=SlotTime(slot_id=90, start=start, end=start + timedelta(minutes=30),
                          date=start.date(), session="08:00-11:30"),
            time_zone="Asia/Shanghai",
            expert=ExpertRef(id=3, name="张伟", title="主任医师", fee="100.00"),
            department=DepartmentRef(id=2, name="消化内科", location="门诊楼 3 楼 B 区"),
            patient=person.contact(), hospital=HOSPITAL,
            patient_link="http://127.0.0.1:8002/p/token", **extra)

    def booked(self, person: Person, **kw: Any) -> tuple[Event, AppointmentBooked]:
        message = self.appointment(AppointmentBooked, person, **kw)
        return self.deliver(message), message

    def cancelled(self, person: Person, reason: str = "expert_unavailable",
                  alternatives: int = 2, **kw: Any) -> Event:
        start = datetime.now(UTC) + timedelta(days=3)
        offered = [Alternative(slot_id=500 + n, expert_id=4, expert_name="李娜",
                               start=start + timedelta(minutes=30 * n), remaining=3)
                   for n in range(alternatives)]
        return self.deliver(self.appointment(
            AppointmentCancelled, person, cancellation=Cancellation(
                reason=reason, note="学术会议", by="system", alternatives=offered), **kw))

    def no_show(self, person: Person, **kw: Any) -> Event:
        return self.deliver(self.appointment(AppointmentNoShow, person, **kw))

    def no_show_undone(self, person: Person, **kw: Any) -> Event:
        return self.deliver(self.appointment(NoShowUndone, person, **kw))

    def checked_in(self, person: Person, **kw: Any) -> Event:
        return self.deliver(self.appointment(AppointmentCheckedIn, person, **kw))

    def check_in_undone(self, person: Person, **kw: Any) -> Event:
        return self.deliver(self.appointment(CheckInUndone, person, **kw))

    def erased(self, patient_id: int, appointment_ids: list[int]) -> Event:
        return self.deliver(PatientErased(patient_id=patient_id, appointment_ids=appointment_ids))


class Caller(Staff):
    """A consultant of the follow-up desk."""

    def __init__(self, app: Flask, username: str = "li", role: str = "consultant") -> None:
        super().__init__(app, bearer(role, username))

    def enquiry(self, name: str = "张三", phone: str = "13800138000", *,
                call_consent: bool = True, **extra: Any) -> Any:
        body = {"name": name, "phone": phone, "channel": "chat", "complaint": "胃痛一周",
                "call_consent": call_consent, **extra}
        return self.post("/api/v1/enquiries", json=body)

    def tasks(self, **query: Any) -> list[dict[str, Any]]:
        response = self.get("/api/v1/tasks", query_string=query)
        assert response.status_code == 200, response.json
        return response.json

    def claim(self, task_id: int) -> Any:
        return self.post(f"/api/v1/tasks/{task_id}/claim")

    def call(self, task_id: int, outcome: str, **extra: Any) -> Any:
        return self.post(f"/api/v1/tasks/{task_id}/calls", json={"outcome": outcome, **extra})
