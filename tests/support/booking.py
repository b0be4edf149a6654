"""Booking test helpers: an inventory fed by schedule's events, staff clients."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask

from services.booking.handlers import handlers
from services.booking.models import Slot
from services.common.config import DEFAULT_JWT_SECRET
from services.common.contracts import Contract
from services.common.contracts.schedule import (
    DepartmentUpdated,
    ExpertUpdated,
    HospitalUpdated,
    PublishedSlot,
    SlotsCancelled,
    SlotsPublished,
)
from services.common.events import Event
from services.common.tokens import issue_token

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOSPITAL = HospitalUpdated(name="仁和医院", address="示范路 100 号", directions="地铁 2 号线",
                           phone="021-5555 0100", time_zone="Asia/Shanghai", language="zh-CN")
PHONES = ("13800138000", "13912345678", "13700001111", "13600002222", "13500003333")


def local_now() -> datetime:
    return datetime.now(SHANGHAI)


def tomorrow() -> date:
    return local_now().date() + timedelta(days=1)


def expert(expert_id: int = 1, department_id: int = 1, name: str = "王建国") -> ExpertUpdated:
    return ExpertUpdated(id=expert_id, code=f"E{expert_id}", name=name, title="主任医师",
                         department_id=department_id, fee="50.00", active=True)


def department(department_id: int = 1) -> DepartmentUpdated:
    return DepartmentUpdated(id=department_id, code=f"D{department_id}",
                             name="心内科" if department_id == 1 else f"科室{department_id}",
                             location="门诊楼 3 楼", active=True)


class Inventory:
    """Feeds booking schedule's events through booking's own handlers."""

    ids = itertools.count(1000)

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.rt = app.extensions["clinic"]
        self.db = self.rt.db
        self.handlers = handlers(self.rt)
        self.apply(HOSPITAL)

    def apply(self, message: Contract, occurred_at: datetime | None = None) -> Event:
        event = Event(type=message.TYPE, data=message.to_data(), source="schedule",
                      **({"occurred_at": occurred_at} if occurred_at else {}))
        with self.db.transaction() as session:
            self.handlers[event.type](session, event)
        return event

    def published(self, day: date, start: time, count: int = 4, capacity: int = 5,
                  minutes: int = 30, expert_id: int = 1, department_id: int = 1,
                  expert_name: str = "王建国") -> SlotsPublished:
        first = datetime.combine(day, start, tzinfo=SHANGHAI)
        end = first + timedelta(minutes=minutes * count)
        label = f"{first:%H:%M}-{end:%H:%M}"
        slots = [PublishedSlot(slot_id=next(self.ids),
                               start=(first + timedelta(minutes=minutes * n)).astimezone(UTC),
                               end=(first + timedelta(minutes=minutes * (n + 1))).astimezone(UTC),
                               capacity=capacity, session=label) for n in range(count)]
        return SlotsPublished(expert=expert(expert_id, department_id, expert_name),
                              department=department(department_id), date=day,
                              time_zone="Asia/Shanghai", origin="template", slots=slots)

    def session(self, day: date, start: time, count: int = 4, capacity: int = 5,
                minutes: int = 30, expert_id: int = 1, department_id: int = 1,
                expert_name: str = "王建国") -> list[int]:
        """Publish one session of ``count`` slots; return the slot ids in time order."""
        message = self.published(day, start, count, capacity, minutes, expert_id,
                                 department_id, expert_name)
        self.apply(message)
        return [slot.slot_id for slot in message.slots]

    def cancel(self, slot_ids: list[int], reason: str = "学术会议") -> None:
        with self.db.reading() as session:
            slots = [session.get(Slot, slot_id) for slot_id in slot_ids]
        first = slots[0]
        assert first is not None
        self.apply(SlotsCancelled(
            expert=expert(first.expert_id, first.department_id), department=department(
                first.department_id), date=first.day, time_zone="Asia/Shanghai",
            reason=reason, leave_id=1, slot_ids=slot_ids,
            slots=[PublishedSlot(slot_id=s.id, start=s.start_at, end=s.end_at,
                                 capacity=s.capacity, session=s.session)
                   for s in slots if s is not None]))

    def slot(self, slot_id: int) -> Slot:
        with self.db.reading() as session:
            slot = session.get(Slot, slot_id)
            assert slot is not None
            return slot

    def counts(self, slot_id: int) -> tuple[int, int, int]:
        slot = self.slot(slot_id)
        return slot.booked, slot.held, slot.overbooked


def bearer(role: str, username: str | None = None) -> dict[str, str]:
    token = issue_token(DEFAULT_JWT_SECRET, username or f"test-{role}", [role], ttl_seconds=600)
    return {"Authorization": f"Bearer {token}"}


class Staff:
    """A client signed as one member of staff."""

    def __init__(self, app: Flask, header: dict[str, str]) -> None:
        self.client = app.test_client()
        self.header = header

    def __getattr__(self, method: str) -> Any:
        call = getattr(self.client, method)
        return lambda url, **kw: call(url, headers={**self.header, **kw.pop("headers", {})}, **kw)

    def book(self, slot_id: int | None = None, phone: str = PHONES[0], **extra: Any) -> Any:
        headers = extra.pop("headers", {})
        body = {"patient": {"name": extra.pop("name", "张三"), "phone": phone,
                            "sms_consent": True},
                "channel": extra.pop("channel", "chat"), "complaint": "胸闷两周", **extra}
        if slot_id is not None:
            body["slot_id"] = slot_id
        return self.post("/api/v1/appointments", json=body, headers=headers)


def events_of(app: Flask, event_type: str) -> list[dict[str, Any]]:
    """The data of booking's outbox events of one type, oldest first."""
    import json

    from sqlalchemy import select

    from services.booking.models import OutboxMessage

    with app.extensions["clinic"].db.reading() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.event_type == event_type)
                               .order_by(OutboxMessage.id))
        return [json.loads(row.body)["data"] for row in rows]
