"""What booking's events mean for the follow-up desk, each in the inbox transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.common.contracts.booking import AppointmentCancelled, AppointmentEvent
from services.common.patient_identity import name_key

from ..domain.calling import FollowupDesk
from ..domain.satisfaction import first_call
from ..domain.statuses import TaskKind, TaskStatus
from ..models import KnownAppointment, KnownPatient
from . import enquiries
from .tasks import (
    close_for_patient,
    close_tasks,
    log_booking_call,
    open_task,
    open_tasks_of,
    withdraw,
    withdraw_satisfaction,
)

#: Cancellations the hospital made: its patients are called, first those no SMS reached.
BY_THE_HOSPITAL = ("hospital", "expert_unavailable")


def remember(session: Session, event: AppointmentEvent, at: datetime) -> None:
    """Who booking's patient is, so an erasure or export by id finds their enquiries too."""
    patient = event.patient
    if not patient.satisfaction_consent:
        withdraw_satisfaction(session, patient.id, at)
    if not patient.phone:
        return  # an erased patient's event: nothing left to remember
    row = session.get(KnownPatient, patient.id)
    if row is None:
        row = KnownPatient(patient_id=patient.id)
        session.add(row)
    row.phone, row.name_key, row.updated_at = patient.phone, name_key(patient.name), at


def made(session: Session, event: AppointmentEvent, at: datetime) -> None:
    """Booking made (or moved) this appointment for this patient at ``at``: a ``booked``
    call may name it from then on, for tasks that opened before."""
    patient = event.patient
    if not patient.phone:
        return
    row = session.get(KnownAppointment, event.appointment_id)
    if row is None:
        row = KnownAppointment(appointment_id=event.appointment_id, booked_by=event.booked_by)
        session.add(row)
    row.code, row.patient_id, row.phone = event.code, patient.id, patient.phone
    row.name_key, row.booked_at, row.cancelled_at = name_key(patient.name), at, None
    row.start, row.place = event.slot.start, place(event)


def place(event: AppointmentEvent) -> str:
    """Where the visit is: the department and where it sits in the hospital."""
    if event.department is None:
        return ""
    return " ".join(p for p in (event.department.name, event.department.location) if p)[:300]


def booked(session: Session, desk: FollowupDesk, event: AppointmentEvent) -> None:
    """Enquiries of the same phone and name are converted; the patient's open tasks close
    as booked. A task the booking consultant holds (they booked from its call card) gets
    the successful call logged in their name."""
    remember(session, event, desk.now)
    if not event.patient.phone:
        return
    made(session, event, desk.now)
    enquiries.convert(session, desk, event)
    patient = event.patient
    tasks = open_tasks_of(session, patient_id=patient.id, phone=patient.phone,
                          name_key=name_key(patient.name))
    log_booking_call(session, desk, tasks, by=event.booked_by, code=event.code)
    close_tasks(desk, tasks, status=TaskStatus.BOOKED, code=event.code)


def rescheduled(session: Session, desk: FollowupDesk, event: AppointmentEvent) -> None:
    """The patient has a visit again (moved, or booked again through their link after the
    hospital cancelled): nobody needs to call them about it."""
    remember(session, event, desk.now)
    if event.patient.phone:
        made(session, event, desk.now)
        close_for_patient(session, desk, patient_id=event.patient.id,
                          phone=event.patient.phone, name_key=name_key(event.patient.name),
                          status=TaskStatus.BOOKED, code=event.code)


def cancelled(session: Session, desk: FollowupDesk, event: AppointmentCancelled) -> None:
    """A visit the hospital cancelled: the patient is called, first if no SMS reached them
    (no consent, or a landline). A cancelled appointment is no longer a booking to name."""
    remember(session, event, desk.now)
    known = session.get(KnownAppointment, event.appointment_id)
    if known is not None:
        known.cancelled_at = desk.now
    if event.cancellation.reason not in BY_THE_HOSPITAL:
        return
    patient = event.patient
    open_task(session, desk, kind=TaskKind.HOSPITAL_CANCELLED, name=patient.name,
              name_key=name_key(patient.name), phone=patient.phone, patient_id=patient.id,
              appointment_id=event.appointment_id,
              sms_reached=patient.sms_consent and patient.mobile,
              context={**visit(event), "reason": event.cancellation.reason,
                       "note": event.cancellation.note or "",
                       "alternatives": [{"slot_id": a.slot_id, "expert": a.expert_name,
                                         "start": a.start.isoformat(),
                                         "remaining": a.remaining}
                                        for a in event.cancellation.alternatives]})


def no_show(session: Session, desk: FollowupDesk, event: AppointmentEvent) -> None:
    remember(session, event, desk.now)
    patient = event.patient
    open_task(session, desk, kind=TaskKind.NO_SHOW, name=patient.name,
              name_key=name_key(patient.name), phone=patient.phone, patient_id=patient.id,
              appointment_id=event.appointment_id, context=visit(event))


def no_show_undone(session: Session, desk: FollowupDesk, event: AppointmentEvent) -> None:
    """The front desk marked the no-show by mistake: nobody is called about it."""
    withdraw(session, desk, event.appointment_id, TaskKind.NO_SHOW)


def checked_in(session: Session, desk: FollowupDesk, event: AppointmentEvent) -> None:
    """The patient came: with their consent, a satisfaction call-back opens, due when
    calling hours open the next day (SPEC §15); one per visit."""
    remember(session, event, desk.now)
    patient = event.patient
    if not patient.satisfaction_consent:
        return
    open_task(session, desk, kind=TaskKind.SATISFACTION, name=patient.name,
              name_key=name_key(patient.name), phone=patient.phone, patient_id=patient.id,
              appointment_id=event.appointment_id,
              due_at=first_call(desk.rules, desk.zone, desk.now),
              context={**visit(event), "expert_id": event.expert.id})


def completed(session: Session, desk: FollowupDesk, event: AppointmentEvent) -> None:
    """The visit is over: the patient's record as booking has it now counts (a consent to
    the satisfaction call withdrawn at the desk withdraws the call)."""
    remember(session, event, desk.now)


def check_in_undone(session: Session, desk: FollowupDesk, event: AppointmentEvent) -> None:
    """Checked in by mistake: there was no visit to ask about."""
    withdraw(session, desk, event.appointment_id, TaskKind.SATISFACTION)


def visit(event: AppointmentEvent) -> dict[str, Any]:
    """The facts of the missed or cancelled visit, for the call card."""
    return {"code": event.code, "start": event.slot.start.isoformat(),
            "expert": f"{event.expert.name} {event.expert.title}".strip(),
            "fee": event.expert.fee or "",
            "department": event.department.name if event.department else "",
            "department_id": event.department.id if event.department else None,
            "location": event.department.location if event.department else "",
            "sms_consent": event.patient.sms_consent, "mobile": event.patient.mobile}
