"""What booking does with each event it consumes; each runs inside the inbox transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.common.contracts import on
from services.common.contracts.schedule import (
    DepartmentUpdated,
    ExpertUpdated,
    HospitalUpdated,
    SlotsCancelled,
    SlotsPublished,
    StaffChanged,
)
from services.common.events import Event
from services.common.hospital_copy import keep_hospital_copy
from services.common.inbox import Handler
from services.common.staff_copy import keep_staff_copy
from services.common.web import Runtime

from .config import BookingSettings
from .models import Hospital, StaffTokens
from .ops import inventory
from .reads.hospital import open_desk

SYSTEM = "system"

#: The event types booking's queue is bound to.
EVENT_TYPES = tuple(c.TYPE for c in (
    HospitalUpdated, SlotsPublished, SlotsCancelled, ExpertUpdated, DepartmentUpdated,
    StaffChanged))

on_hospital_updated = keep_hospital_copy(Hospital)
on_staff_changed = keep_staff_copy(StaffTokens)


def handlers(rt: Runtime[BookingSettings]) -> dict[str, Handler]:
    def slots_cancelled(session: Session, cancelled: SlotsCancelled, event: Event) -> None:
        desk = open_desk(session, rt.settings, SYSTEM, rt.now())
        inventory.cancel_slots(session, desk, cancelled, event.occurred_at)

    def published(session: Session, slots: SlotsPublished, event: Event) -> None:
        inventory.add_published_slots(session, slots, event.occurred_at)

    def expert(session: Session, facts: ExpertUpdated, event: Event) -> None:
        inventory.remember_expert(session, facts, event.occurred_at)

    def department(session: Session, facts: DepartmentUpdated, event: Event) -> None:
        inventory.remember_department(session, facts, event.occurred_at)

    bound: dict[str, Any] = {
        HospitalUpdated.TYPE: on_hospital_updated,
        SlotsPublished.TYPE: on(SlotsPublished, published),
        SlotsCancelled.TYPE: on(SlotsCancelled, slots_cancelled),
        ExpertUpdated.TYPE: on(ExpertUpdated, expert),
        DepartmentUpdated.TYPE: on(DepartmentUpdated, department),
        StaffChanged.TYPE: on_staff_changed,
    }
    assert set(bound) == set(EVENT_TYPES)
    return bound
