"""Notify test helpers: booking-shaped events and a notify app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.common.events import Event

HOSPITAL = {"name": "仁和医院", "address": "上海市黄浦区示范路 100 号", "directions": "地铁 2 号线",
            "phone": "021-5555 0100", "time_zone": "Asia/Shanghai", "language": "zh-CN"}


def facts(appointment_id: int = 7, *, start: datetime | None = None, sms: bool = True,
          email: str | None = None, email_consent: bool = False, status: str = "booked",
          language: str = "zh-CN", **extra: Any) -> dict[str, Any]:
    start = start or (datetime.now(UTC) + timedelta(days=3)).replace(
        hour=1, minute=0, second=0, microsecond=0)
    end = start + timedelta(minutes=30)
    return {
        "appointment_id": appointment_id, "code": "K7QM4TZP", "status": status,
        "queue_number": 11, "channel": "chat", "overbooked": False, "booked_by": "li",
        "slot": {"slot_id": 90, "start": start.isoformat().replace("+00:00", "Z"),
                 "end": end.isoformat().replace("+00:00", "Z"), "date": start.date().isoformat(),
                 "local_start": "09:00", "local_end": "09:30", "session": "08:00-11:30"},
        "time_zone": "Asia/Shanghai",
        "expert": {"id": 3, "name": "张伟", "title": "主任医师", "fee": "100.00"},
        "department": {"id": 2, "name": "消化内科", "location": "门诊楼 3 楼 B 区"},
        "patient": {"name": "张三", "phone": "+8613800138000", "email": email,
                    "sms_consent": sms, "email_consent": email_consent},
        "hospital": {**HOSPITAL, "language": language},
        "patient_link": "http://127.0.0.1:8002/p/token", **extra,
    }


def event(event_type: str, data: dict[str, Any], **kw: Any) -> Event:
    return Event(type=f"booking.appointment.{event_type}", data=data, source="booking", **kw)


@pytest.fixture
def app(make_app):
    return make_app("notify")
