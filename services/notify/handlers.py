"""What notify does with each event it consumes; each runs inside the inbox transaction.

The appointment events a patient is told of are planned into messages. Planning needs
no state of its own per runtime: a :class:`~.ops.planning.Planner` is made from
``work.rt.settings`` for each event (cheap: the templates are compiled once per folder),
and it only marks a transaction that planned a message due now. Waking the sender for
such a message is the worker's business, not the handler's: :func:`handlers` takes the
worker's ``on_due`` when it binds the handlers to a runtime and calls it after such a
commit. So ``HANDLERS`` stays one module-level list, the same for the web process (which
binds nothing) and the worker, with nothing kept per runtime.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from services.common.contracts.booking import AppointmentEvent, PatientErased
from services.common.contracts.schedule import HospitalUpdated, StaffChanged
from services.common.db import after_commit_once
from services.common.event_handlers import EventHandlers
from services.common.events import Event
from services.common.hospital_copy import keep_hospital_copy
from services.common.inbox import Handler, InboxConsumer
from services.common.runtime import Runtime
from services.common.service import make_consumer
from services.common.staff_copy import keep_staff_copy
from services.common.unit_of_work import Work

from .config import NotifySettings
from .models import DeadLetter, Hospital, InboxRecord, StaffTokens
from .ops.erasure import forget_patient
from .ops.planning import Planner, planned_due_now, remember_states
from .ops.suppressions import remember_opt_outs
from .wire import TOLD, kept, visit_of

HANDLERS = EventHandlers()
HANDLERS.add(HospitalUpdated, keep_hospital_copy(Hospital))
HANDLERS.add(StaffChanged, keep_staff_copy(StaffTokens))


def plan(work: Work[Any], facts: AppointmentEvent, event: Event) -> None:
    """The messages an appointment event calls for (see :mod:`.ops.planning`)."""
    Planner(work.rt.settings).on_booking_event(work.session, visit_of(facts), kept(facts),
                                               event, work.desk.now)


for told in TOLD:
    HANDLERS.add(told, plan)


@HANDLERS.on(PatientErased)
def erased(work: Work[Any], who: PatientErased, event: Event) -> None:
    forget_patient(work.session, who.patient_id, who.appointment_ids, work.desk.now)


#: The event types notify's queue is bound to.
EVENT_TYPES = HANDLERS.types


def handlers(rt: Runtime[NotifySettings],
             on_due: Callable[[], None] | None = None) -> dict[str, Handler]:
    """The consumer's handlers; ``on_due`` is called after a commit that planned a
    message to send now (the worker wakes its sender with it)."""
    bound = HANDLERS.bind(rt)
    if on_due is None:
        return bound
    return {event_type: _waking(handle, on_due) for event_type, handle in bound.items()}


def _waking(handle: Handler, on_due: Callable[[], None]) -> Handler:
    def handler(session: Session, event: Event) -> None:
        handle(session, event)
        if planned_due_now(session):
            after_commit_once(session, "message due", on_due)

    return handler


def consumer(rt: Runtime[NotifySettings],
             on_due: Callable[[], None] | None = None) -> InboxConsumer:
    """Notify's inbox consumer: a batch asks once for its patients' opt-outs and its
    appointments (:func:`before_batch`)."""
    return make_consumer(rt, handlers(rt, on_due), InboxRecord, DeadLetter,
                         before_batch=before_batch)


def before_batch(session: Session, events: list[Event]) -> None:
    """What a batch asks once instead of once per event: its patients' opt-outs and its
    appointments as notify knows them."""
    remember_opt_outs(session, events)
    remember_states(session, events)
