"""What notify does with each event it consumes; each runs inside the inbox transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from services.common.contracts import on
from services.common.contracts.booking import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentEvent,
    AppointmentRescheduled,
    ConfirmationRequested,
    PatientErased,
)
from services.common.contracts.schedule import HospitalUpdated, StaffChanged
from services.common.events import Event
from services.common.hospital_copy import keep_hospital_copy
from services.common.inbox import Handler, InboxConsumer
from services.common.service import make_consumer
from services.common.staff_copy import keep_staff_copy
from services.common.web import Runtime

from .config import NotifySettings
from .models import DeadLetter, Hospital, InboxRecord, StaffTokens
from .ops.erasure import forget_patient
from .ops.planning import Planner
from .ops.suppressions import remember_opt_outs

TOLD = (AppointmentBooked, AppointmentCancelled, AppointmentRescheduled,
        ConfirmationRequested)
#: The event types notify's queue is bound to.
EVENT_TYPES = (HospitalUpdated.TYPE, *(kind.TYPE for kind in TOLD), PatientErased.TYPE,
               StaffChanged.TYPE)

on_hospital_updated = keep_hospital_copy(Hospital)
on_staff_changed = keep_staff_copy(StaffTokens)


def handlers(rt: Runtime[NotifySettings],
             on_due: Callable[[], None] | None = None) -> dict[str, Handler]:
    """``on_due``: called after a commit that planned a message to send now."""
    planner = Planner(rt.settings, on_due=on_due)

    def plan(session: Session, facts: AppointmentEvent, event: Event) -> None:
        planner.on_booking_event(session, facts, event, rt.now())

    def erased(session: Session, who: PatientErased, event: Event) -> None:
        forget_patient(session, who, rt.now())

    bound: dict[str, Any] = {HospitalUpdated.TYPE: on_hospital_updated,
                             StaffChanged.TYPE: on_staff_changed,
                             PatientErased.TYPE: on(PatientErased, erased)}
    for kind in TOLD:
        bound[kind.TYPE] = on(kind, plan)
    return bound


def consumer(rt: Runtime[NotifySettings],
             on_due: Callable[[], None] | None = None) -> InboxConsumer:
    """Notify's inbox consumer: a batch asks for its patients' opt-outs once."""
    return make_consumer(rt, handlers(rt, on_due), InboxRecord, DeadLetter,
                         before_batch=remember_opt_outs)
