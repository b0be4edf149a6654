"""Notify test helpers: the facts of booking's events, as booking's contracts define them;
events handed to notify as its worker hands them; its messages read back; a provider that
fails as told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from services.common.contracts.booking import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentEvent,
    AppointmentRescheduled,
    DepartmentRef,
    ExpertRef,
    HospitalFacts,
    PatientContact,
    SlotTime,
)
from services.common.events import Event
from services.notify.domain.visit import Visit
from services.notify.handlers import handlers
from services.notify.models import DeadLetter, InboxRecord, Message
from services.notify.providers import Outgoing
from services.notify.wire import visit_of

HOSPITAL = HospitalFacts(name="仁和医院", address="上海市黄浦区示范路 100 号",
                         directions="地铁 2 号线", phone="021-5555 0100",
                         time_zone="Asia/Shanghai", language="zh-CN")
KINDS: dict[str, type[AppointmentEvent]] = {
    "booked": AppointmentBooked, "cancelled": AppointmentCancelled,
    "rescheduled": AppointmentRescheduled}


def slot(start: datetime | None = None) -> SlotTime:
    start = start or (datetime.now(UTC) + timedelta(days=3)).replace(
        hour=1, minute=0, second=0, microsecond=0)
    return SlotTime(slot_id=90, start=start, end=start + timedelta(minutes=30),
                    date=start.date(), session="08:00-11:30")


def facts(appointment_id: int = 7, *, start: datetime | None = None, sms: bool = True,
          email: str | None = None, email_consent: bool = False, status: str = "booked",
          language: str = "zh-CN", **extra: Any) -> dict[str, Any]:
    """An appointment event's data; ``extra`` adds ``cancellation`` or ``previous``."""
    booked = AppointmentBooked(
        appointment_id=appointment_id, code="K7QM4TZP", status=status, queue_number=11,
        channel="chat", overbooked=False, booked_by="li", slot=slot(start),
        time_zone="Asia/Shanghai",
        expert=ExpertRef(id=3, name="张伟", title="主任医师", fee="100.00"),
        department=DepartmentRef(id=2, name="消化内科", location="门诊楼 3 楼 B 区"),
        patient=PatientContact(id=appointment_id + 500, name="张三", phone="+8613800138000",
                               mobile=True, email=email,
                               sms_consent=sms, email_consent=email_consent),
        hospital=HospitalFacts(**{**HOSPITAL.to_data(), "language": language}),
        patient_link="http://127.0.0.1:8002/p/token")
    return {**booked.to_data(), **extra}


def previous(start: datetime | None = None) -> dict[str, Any]:
    data = facts(start=start)
    return {"slot": data["slot"], "expert": data["expert"], "department": data["department"],
            "queue_number": data["queue_number"]}


def typed(kind: str, data: dict[str, Any]) -> AppointmentEvent:
    return KINDS[kind].from_data(data)


def told(kind: str, data: dict[str, Any]) -> Visit:
    """The visit notify renders from this event's data (as its handler reads it)."""
    return visit_of(typed(kind, data))


def event(event_type: str, data: dict[str, Any], **kw: Any) -> Event:
    return Event(type=f"booking.appointment.{event_type}", data=data, source="booking", **kw)


def consume(app, *events) -> None:
    """Hand events to notify exactly as its worker does (inbox and all)."""
    from services.common.service import make_consumer

    rt = app.extensions["clinic"]
    consumer = make_consumer(rt, handlers(rt), InboxRecord, DeadLetter)
    for each in events:
        consumer.handle(each)


def messages(app, **where) -> list[Message]:
    """Notify's messages, oldest first, where each column named equals its value."""
    with app.extensions["clinic"].db.reading() as session:
        query = select(Message).order_by(Message.id)
        for name, value in where.items():
            query = query.where(getattr(Message, name) == value)
        return list(session.scalars(query))


class FlakyProvider:
    """Fails as told, then records what it was given."""

    name = "flaky"

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.sent: list[Outgoing] = []

    def send(self, item: Outgoing) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(item)
        return f"p-{item.ref}"
