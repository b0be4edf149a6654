"""What booking does with each event it consumes; each runs inside the inbox transaction."""

from __future__ import annotations

from functools import partial

from services.common.hospital_copy import keep_hospital_copy
from services.common.inbox import Handler

from . import inventory
from .config import BookingSettings
from .models import Hospital

#: The event types booking's queue is bound to.
EVENT_TYPES = (
    "schedule.hospital.updated",
    "schedule.slots.published",
    "schedule.slots.cancelled",
    "schedule.expert.updated",
    "schedule.department.updated",
)

on_hospital_updated = keep_hospital_copy(Hospital)


def handlers(settings: BookingSettings) -> dict[str, Handler]:
    return {
        "schedule.hospital.updated": on_hospital_updated,
        "schedule.slots.published": inventory.on_slots_published,
        "schedule.slots.cancelled": partial(inventory.on_slots_cancelled, settings=settings),
        "schedule.expert.updated": inventory.on_expert_updated,
        "schedule.department.updated": inventory.on_department_updated,
    }
