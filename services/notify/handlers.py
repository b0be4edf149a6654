"""What notify does with each event it consumes; each runs inside the inbox transaction."""

from __future__ import annotations

from services.common.hospital_copy import keep_hospital_copy
from services.common.inbox import Handler

from .config import NotifySettings
from .models import Hospital
from .planning import BOOKED, CANCELLED, RESCHEDULED, Planner

#: The event types notify's queue is bound to.
EVENT_TYPES = ("schedule.hospital.updated", BOOKED, CANCELLED, RESCHEDULED)

on_hospital_updated = keep_hospital_copy(Hospital)


def handlers(settings: NotifySettings) -> dict[str, Handler]:
    planner = Planner(settings)
    return {
        "schedule.hospital.updated": on_hospital_updated,
        BOOKED: planner.on_booking_event,
        CANCELLED: planner.on_booking_event,
        RESCHEDULED: planner.on_booking_event,
    }
