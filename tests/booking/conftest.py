"""Booking test helpers: an inventory fed by schedule-shaped events, staff clients."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from services.booking import handlers as booking_handlers
from services.booking import inventory
from services.booking.models import Slot
from services.common.events import Event

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOSPITAL = {"name": "仁和医院", "address": "示范路 100 号", "directions": "地铁 2 号线",
            "phone": "021-5555 0100", "time_zone": "Asia/Shanghai", "language": "zh-CN"}
PHONES = ("13800138000", "13912345678", "13700001111", "13600002222", "13500003333")


def local_now() -> datetime:
    return datetime.now(SHANGHAI)


def tomorrow() -> date:
    return local_now().date() + timedelta(days=1)


class Inventory:
    """Publishes slots into booking exactly as schedule's events would."""

    ids = itertools.count(1000)

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.db = app.extensions["clinic"].db
        self.apply("schedule.hospital.updated", HOSPITAL, booking_handlers.on_hospital_updated)

    def apply(self, event_type: str, data: dict[str, Any], handler: Any) -> Event:
        event = Event(type=event_type, data=data, source="schedule")
        with self.db.transaction() as session:
            handler(session, event)
        return event

    def session(self, day: date, start: time, count: int = 4, capacity: int = 5,
                minutes: int = 30, expert_id: int = 1, department_id: int = 1,
                expert_name: str = "王建国") -> list[int]:
        """Publish one session of ``count`` slots; return the slot ids in time order."""
        first = datetime.combine(day, start, tzinfo=SHANGHAI)
        end = first + timedelta(minutes=minutes * count)
        label = f"{first:%H:%M}-{end:%H:%M}"
        slots = [{"slot_id": next(self.ids),
                  "start": (first + timedelta(minutes=minutes * n)).astimezone(ZoneInfo("UTC"))
                  .isoformat(), "end": (first + timedelta(minutes=minutes * (n + 1)))
                  .astimezone(ZoneInfo("UTC")).isoformat(), "capacity": capacity,
                  "session": label} for n in range(count)]
        self.apply("schedule.slots.published", {
            "expert": {"id": expert_id, "code": f"E{expert_id}", "name": expert_name,
                       "title": "主任医师", "department_id": department_id, "fee": "50.00",
                       "active": True},
            "department": {"id": department_id, "code": f"D{department_id}",
                           "name": "心内科" if department_id == 1 else f"科室{department_id}",
                           "location": "门诊楼 3 楼", "active": True},
            "date": day.isoformat(), "time_zone": "Asia/Shanghai", "origin": "template",
            "slots": slots}, inventory.on_slots_published)
        return [slot["slot_id"] for slot in slots]

    def cancel(self, slot_ids: list[int], reason: str = "学术会议") -> None:
        settings = self.app.extensions["clinic"].settings
        handler = booking_handlers.handlers(settings)["schedule.slots.cancelled"]
        self.apply("schedule.slots.cancelled", {"slot_ids": slot_ids, "reason": reason,
                                                "date": "", "leave_id": 1}, handler)

    def slot(self, slot_id: int) -> Slot:
        with self.db.reading() as session:
            return session.get(Slot, slot_id)

    def counts(self, slot_id: int) -> tuple[int, int, int]:
        slot = self.slot(slot_id)
        return slot.booked, slot.held, slot.overbooked


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


@pytest.fixture
def app(make_app) -> Flask:
    return make_app("booking")


@pytest.fixture
def inv(app: Flask) -> Inventory:
    return Inventory(app)


@pytest.fixture
def staff(app: Flask, auth_header) -> Any:
    def as_(role: str, name: str | None = None) -> Staff:
        header = auth_header(role)
        if name:
            from services.common.auth import issue_token
            from services.common.config import DEFAULT_JWT_SECRET

            token = issue_token(DEFAULT_JWT_SECRET, name, [role], ttl_seconds=600)
            header = {"Authorization": f"Bearer {token}"}
        return Staff(app, header)

    return as_


@pytest.fixture
def consultant(staff) -> Staff:
    return staff("consultant", "li")


@pytest.fixture
def frontdesk(staff) -> Staff:
    return staff("frontdesk", "zhou")
