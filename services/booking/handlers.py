"""What booking does with each event it consumes; each runs in the inbox's transaction at
the system's desk (``HANDLERS.bind(rt)`` gives the consumer its handlers)."""

from __future__ import annotations

from typing import Any

from services.common.contracts.schedule import (
    DepartmentUpdated,
    ExpertUpdated,
    HospitalUpdated,
    SlotsCancelled,
    SlotsPublished,
    StaffChanged,
)
from services.common.event_handlers import EventHandlers
from services.common.events import Event
from services.common.hospital_copy import keep_hospital_copy
from services.common.inbox import Handler
from services.common.runtime import Runtime
from services.common.staff_copy import keep_staff_copy
from services.common.unit_of_work import Work

from .domain.rules import Rules
from .models import Hospital, StaffTokens
from .ops import inventory

HANDLERS = EventHandlers()
HANDLERS.add(HospitalUpdated, keep_hospital_copy(Hospital))


@HANDLERS.on(SlotsPublished)
def published(work: Work[Rules], slots: SlotsPublished, event: Event) -> None:
    inventory.add_published_slots(work.session, slots, event.occurred_at)


@HANDLERS.on(SlotsCancelled)
def slots_cancelled(work: Work[Rules], cancelled: SlotsCancelled, event: Event) -> None:
    inventory.cancel_slots(work.session, work.desk, cancelled, event.occurred_at)


@HANDLERS.on(ExpertUpdated)
def expert(work: Work[Rules], facts: ExpertUpdated, event: Event) -> None:
    inventory.remember_expert(work.session, facts, event.occurred_at)


@HANDLERS.on(DepartmentUpdated)
def department(work: Work[Rules], facts: DepartmentUpdated, event: Event) -> None:
    inventory.remember_department(work.session, facts, event.occurred_at)


HANDLERS.add(StaffChanged, keep_staff_copy(StaffTokens))

#: The event types booking's queue is bound to.
EVENT_TYPES = HANDLERS.types


def handlers(rt: Runtime[Any]) -> dict[str, Handler]:
    """The inbox consumer's handlers, bound to this runtime."""
    return HANDLERS.bind(rt)
