"""What followup does with each event it consumes; each runs inside the inbox transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from services.common.contracts import Contract, on
from services.common.contracts.booking import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentCheckedIn,
    AppointmentNoShow,
    AppointmentRescheduled,
    CheckInUndone,
    NoShowUndone,
    PatientErased,
)
from services.common.contracts.schedule import DepartmentUpdated, HospitalUpdated, StaffChanged
from services.common.events import Event
from services.common.hospital_copy import keep_hospital_copy
from services.common.inbox import Handler
from services.common.staff_copy import keep_staff_copy
from services.common.web import Runtime

from .config import FollowupSettings
from .domain.desk import Desk
from .models import Hospital, StaffTokens
from .ops import appointments, directory, enquiries
from .ops.erasure import forget_patient
from .reads.hospital import open_desk

SYSTEM = "system"
C = TypeVar("C", bound=Contract)

#: The event types followup's queue is bound to.
EVENT_TYPES = tuple(c.TYPE for c in (
    HospitalUpdated, StaffChanged, DepartmentUpdated, AppointmentBooked, AppointmentCancelled,
    AppointmentRescheduled, AppointmentNoShow, NoShowUndone, AppointmentCheckedIn,
    CheckInUndone, PatientErased))


def handlers(rt: Runtime[FollowupSettings]) -> dict[str, Handler]:
    def at_the_desk(act: Callable[[Session, Desk, C], None]) -> Callable[[Session, C, Event],
                                                                         None]:
        """Run ``act`` as the system, at the event's own time for anything it records."""

        def handle(session: Session, facts: C, event: Event) -> None:
            act(session, open_desk(session, rt.settings, SYSTEM, rt.now()), facts)

        return handle

    def arrived(session: Session, facts: AppointmentCheckedIn, event: Event) -> None:
        enquiries.arrived(session, facts.appointment_id, event.occurred_at)

    def arrival_undone(session: Session, facts: CheckInUndone, event: Event) -> None:
        enquiries.arrived(session, facts.appointment_id, None)

    def department(session: Session, facts: DepartmentUpdated, event: Event) -> None:
        directory.remember_department(session, facts, event.occurred_at)

    bound: dict[str, Any] = {
        HospitalUpdated.TYPE: keep_hospital_copy(Hospital),
        StaffChanged.TYPE: keep_staff_copy(StaffTokens),
        DepartmentUpdated.TYPE: on(DepartmentUpdated, department),
        AppointmentBooked.TYPE: on(AppointmentBooked, at_the_desk(appointments.booked)),
        AppointmentCancelled.TYPE: on(AppointmentCancelled, at_the_desk(appointments.cancelled)),
        AppointmentRescheduled.TYPE: on(AppointmentRescheduled,
                                        at_the_desk(appointments.rescheduled)),
        AppointmentNoShow.TYPE: on(AppointmentNoShow, at_the_desk(appointments.no_show)),
        NoShowUndone.TYPE: on(NoShowUndone, at_the_desk(appointments.no_show_undone)),
        AppointmentCheckedIn.TYPE: on(AppointmentCheckedIn, arrived),
        CheckInUndone.TYPE: on(CheckInUndone, arrival_undone),
        PatientErased.TYPE: on(PatientErased, at_the_desk(forget_patient)),
    }
    assert set(bound) == set(EVENT_TYPES)
    return bound
