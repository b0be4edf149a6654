"""What followup does with each event it consumes; each runs in the inbox's transaction at
the system's desk (see :mod:`services.common.event_handlers`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from services.common.contracts.booking import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentCheckedIn,
    AppointmentCompleted,
    AppointmentNoShow,
    AppointmentRescheduled,
    CheckInUndone,
    NoShowUndone,
    PatientErased,
)
from services.common.contracts.schedule import (
    DepartmentUpdated,
    ExpertUpdated,
    HospitalUpdated,
    StaffChanged,
)
from services.common.event_handlers import SYSTEM, EventHandlers, WorkHandler
from services.common.events import Event
from services.common.hospital_copy import keep_hospital_copy
from services.common.inbox import Handler
from services.common.runtime import Runtime
from services.common.staff_copy import keep_staff_copy
from services.common.unit_of_work import Work

from .domain.calling import FollowupDesk
from .models import Hospital, StaffTokens
from .ops import appointments, directory, enquiries
from .ops.erasure import forget_patient

__all__ = ["EVENT_TYPES", "HANDLERS", "SYSTEM", "handlers"]

C = TypeVar("C")

HANDLERS = EventHandlers()
HANDLERS.add(HospitalUpdated, keep_hospital_copy(Hospital))
HANDLERS.add(StaffChanged, keep_staff_copy(StaffTokens))


def at_the_desk(act: Callable[[Session, FollowupDesk, C], None]) -> WorkHandler:
    """An operation of ``(session, desk, facts)`` as a handler: it acts as the system, at
    the time the event is handled."""

    def handle(work: Work[Any], facts: C, event: Event) -> None:
        act(work.session, work.desk, facts)

    return handle


HANDLERS.add(AppointmentBooked, at_the_desk(appointments.booked))
HANDLERS.add(AppointmentCancelled, at_the_desk(appointments.cancelled))
HANDLERS.add(AppointmentRescheduled, at_the_desk(appointments.rescheduled))
HANDLERS.add(AppointmentNoShow, at_the_desk(appointments.no_show))
HANDLERS.add(AppointmentCompleted, at_the_desk(appointments.completed))
HANDLERS.add(NoShowUndone, at_the_desk(appointments.no_show_undone))
HANDLERS.add(PatientErased, at_the_desk(forget_patient))


@HANDLERS.on(DepartmentUpdated)
def department(work: Work[Any], facts: DepartmentUpdated, event: Event) -> None:
    directory.remember_department(work.session, facts, event.occurred_at)


@HANDLERS.on(ExpertUpdated)
def expert(work: Work[Any], facts: ExpertUpdated, event: Event) -> None:
    directory.remember_expert(work.session, facts, event.occurred_at)


@HANDLERS.on(AppointmentCheckedIn)
def arrived(work: Work[Any], facts: AppointmentCheckedIn, event: Event) -> None:
    enquiries.arrived(work.session, facts.appointment_id, event.occurred_at)
    appointments.checked_in(work.session, work.desk, facts)


@HANDLERS.on(CheckInUndone)
def arrival_undone(work: Work[Any], facts: CheckInUndone, event: Event) -> None:
    enquiries.arrived(work.session, facts.appointment_id, None)
    appointments.check_in_undone(work.session, work.desk, facts)


#: The event types followup's queue is bound to.
EVENT_TYPES = HANDLERS.types


def handlers(rt: Runtime[Any]) -> dict[str, Handler]:
    """The inbox consumer's handlers (the worker's, and the tests' that feed events)."""
    return HANDLERS.bind(rt)
