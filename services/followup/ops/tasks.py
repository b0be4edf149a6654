"""Tasks: opened from booking's events and from enquiries, claimed, called, closed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from services.common.metrics import FOLLOWUP_CALLS, after_commit
from services.common.refusals import Invalid, NotFound, Refused

from ..domain.calling import FollowupDesk, after_call, first_due
from ..domain.objections import check_objection
from ..domain.satisfaction import check_outcome, check_scores
from ..domain.statuses import EnquiryStatus, Outcome, TaskKind, TaskStatus
from ..models import (
    CallAttempt,
    DoNotCall,
    Enquiry,
    KnownAppointment,
    SatisfactionAnswer,
    Task,
)
from . import do_not_call

CALL_CARD = "call_card"


def open_task(session: Session, desk: FollowupDesk, *, kind: TaskKind, name: str, name_key: str,
              phone: str, patient_id: int | None = None, enquiry_id: int | None = None,
              appointment_id: int | None = None, sms_reached: bool = True,
              context: dict[str, Any] | None = None,
              due_at: datetime | None = None) -> Task | None:
    """A task due now (or when calling hours begin, or at ``due_at``); none for a phone on
    the do-not-call list, nor a second one for the same appointment and kind or the same
    enquiry (a withdrawn one opens again)."""
    if not phone:
        return None
    do_not_call.take_turns(session, phone)
    if do_not_call.on_the_list(session, phone):
        return None
    same = select(Task).where(Task.kind == kind)
    same = same.where(Task.enquiry_id == enquiry_id) if enquiry_id is not None else \
        same.where(Task.appointment_id == appointment_id)
    earlier = session.scalar(same)
    if earlier is not None:
        return reopen(earlier, desk, due_at) if earlier.status == TaskStatus.WITHDRAWN else None
    task = Task(kind=kind, status=TaskStatus.OPEN, name=name, name_key=name_key, phone=phone,
                patient_id=patient_id, enquiry_id=enquiry_id, appointment_id=appointment_id,
                sms_reached=sms_reached, context=json.dumps(context or {}, ensure_ascii=False),
                due_at=due_at or first_due(desk.rules, desk.zone, desk.now), attempts=0,
                created_at=desk.now, updated_at=desk.now)
    session.add(task)
    session.flush()
    return task


def reopen(task: Task, desk: FollowupDesk, due_at: datetime | None = None) -> Task:
    """A no-show marked again after it was undone (a check-in done again): the same task,
    open again, its calls so far kept."""
    task.status, task.closed_at, task.updated_at = TaskStatus.OPEN, None, desk.now
    task.due_at = due_at or first_due(desk.rules, desk.zone, desk.now)
    return task


def open_enquiry_tasks(session: Session, desk: FollowupDesk, limit: int = 200) -> int:
    """Enquiries with consent, still not booked ``enquiry_wait`` after they were recorded."""
    waiting = session.scalars(select(Enquiry).where(
        Enquiry.status == EnquiryStatus.OPEN, Enquiry.call_consent.is_(True),
        Enquiry.created_at <= desk.now - desk.rules.enquiry_wait, Enquiry.phone != "",
        ~exists().where(Task.enquiry_id == Enquiry.id),
        # nobody calls a phone on the list; left in, such enquiries would fill every
        # batch and keep newer ones waiting
        ~exists().where(DoNotCall.phone == Enquiry.phone, DoNotCall.active.is_(True)))
        .order_by(Enquiry.created_at).limit(limit).with_for_update(skip_locked=True)).all()
    # Every phone's turn taken first, in one order: two workers opening batches that
    # share phones would otherwise each hold one and wait for the other's (a deadlock).
    for phone in sorted({enquiry.phone for enquiry in waiting}):
        do_not_call.take_turns(session, phone)
    opened = 0
    for enquiry in waiting:
        task = open_task(session, desk, kind=TaskKind.ENQUIRY, name=enquiry.name,
                         name_key=enquiry.name_key, phone=enquiry.phone,
                         enquiry_id=enquiry.id, context={
                             "channel": enquiry.channel, "department_id": enquiry.department_id,
                             "complaint": enquiry.complaint, "note": enquiry.note,
                             "recorded_by": enquiry.recorded_by,
                             "asked_at": enquiry.created_at.isoformat()})
        opened += task is not None
    return opened


def locked(session: Session, task_id: int) -> Task:
    task = session.scalar(select(Task).where(Task.id == task_id).with_for_update()
                          .execution_options(populate_existing=True))
    if task is None:
        raise NotFound("task", code="not_found")
    return task


def claim(session: Session, desk: FollowupDesk, task_id: int) -> Task:
    """The task is this consultant's for ``claim`` minutes: nobody else calls the person."""
    task = locked(session, task_id)
    if task.status != TaskStatus.OPEN:
        raise Refused("closed", "This task is closed.")
    if task.claimed_by not in (None, desk.by) and task.claimed_until is not None \
            and task.claimed_until > desk.now:
        raise Refused("claimed", f"{task.claimed_by} is calling this person now.")
    if task.due_at > desk.now:
        due = task.due_at.astimezone(desk.zone)
        raise Refused("not_due", f"This call is due at {due:%Y-%m-%d %H:%M}.")
    if not desk.rules.hours.contains(desk.now, desk.zone):
        hours = desk.rules.hours
        raise Refused("outside_calling_hours", f"Patients are called between "
                      f"{hours.start:%H:%M} and {hours.end:%H:%M} only.")
    task.claimed_by, task.claimed_until = desk.by, desk.now + desk.rules.claim
    task.updated_at = desk.now
    return task


def holds_claim(task: Task, desk: FollowupDesk) -> bool:
    return (task.claimed_by == desk.by and task.claimed_until is not None
            and task.claimed_until > desk.now)


def dial(session: Session, desk: FollowupDesk, task_id: int) -> Task:
    """The card's call button: the call starts now (a second press during the same call
    keeps the first start). The logged outcome ends it."""
    task = locked(session, task_id)
    if task.status != TaskStatus.OPEN:
        raise Refused("closed", "This task is closed.")
    if not holds_claim(task, desk):
        raise Refused("not_claimed", "Claim the task before calling.")
    if task.dialled_by != desk.by or task.dialled_at is None:
        task.dialled_by, task.dialled_at = desk.by, desk.now
    return task


def started(task: Task, by: str) -> Any:
    """When ``by`` pressed the call button for the call now ending, if they did."""
    return task.dialled_at if task.dialled_by == by else None


def log_call(session: Session, desk: FollowupDesk, task_id: int, outcome: Outcome, *,
             note: str = "", call_back_at: Any = None,
             appointment_code: str | None = None, objection: str | None = None,
             scores: dict[str, Any] | None = None) -> Task:
    """Record one call, answered or not, and move the task on by the rules; an answered
    satisfaction call keeps its three scores."""
    task = locked(session, task_id)
    if task.status != TaskStatus.OPEN:
        raise Refused("closed", "This task is closed.")
    if not holds_claim(task, desk):
        raise Refused("not_claimed", "Claim the task before calling.")
    check_outcome(task.kind, outcome)
    scored = check_scores(outcome, scores)
    if outcome == Outcome.BOOKED and not appointment_code:
        raise Invalid("appointment_code_required", "Give the new appointment's code.")
    if outcome == Outcome.BOOKED and not booked_for(session, task, appointment_code or ""):
        raise Invalid("unknown_appointment", "No appointment with this code was booked "
                      "for this patient since the task opened.")
    objection = check_objection(outcome, objection, note, desk.rules.objections)
    after = after_call(desk.rules, desk.zone, desk.now, task.attempts, outcome, call_back_at,
                       redialling=task.redial_pending)
    call = CallAttempt(task_id=task.id, by=desk.by, at=desk.now, outcome=outcome.value,
                       note=note, call_back_at=call_back_at,
                       appointment_code=appointment_code,
                       started_at=started(task, desk.by), objection=objection)
    session.add(call)
    if scored is not None:
        session.flush()
        session.add(satisfaction_answer(task, call, scored, note))
    task.attempts, task.last_outcome, task.status = after.unanswered, outcome.value, after.status
    task.redial_pending, task.dialled_by, task.dialled_at = after.redial, None, None
    if after.redial:  # the redial is now, by the same consultant: the claim stays theirs
        task.claimed_until = max(task.claimed_until or desk.now, desk.now + desk.rules.claim)
    else:
        task.claimed_by = task.claimed_until = None
    task.updated_at = desk.now
    if after.due_at is not None:
        task.due_at = after.due_at
    if after.status != TaskStatus.OPEN:
        task.closed_at = desk.now
    if outcome == Outcome.BOOKED:
        task.booked_code = appointment_code
    if outcome == Outcome.DO_NOT_CALL:
        do_not_call.add(session, desk, task.phone, note or "asked on a follow-up call")
    session.flush()
    after_commit(session, FOLLOWUP_CALLS.labels(outcome=outcome.value).inc)
    return task


def satisfaction_answer(task: Task, call: CallAttempt, scores: dict[str, int],
                        note: str) -> SatisfactionAnswer:
    """The scores, with the visit's expert and department as the task's context keeps
    them (from booking's check-in event)."""
    facts = json.loads(task.context or "{}")
    return SatisfactionAnswer(task_id=task.id, call_id=call.id,
                              appointment_id=task.appointment_id,
                              expert_id=facts.get("expert_id"), expert_name=facts.get("expert", ""),
                              department_id=facts.get("department_id"),
                              department_name=facts.get("department", ""), note=note,
                              by=call.by, at=call.at, **scores)


def withdraw_satisfaction(session: Session, patient_id: int, at: datetime) -> None:
    """The patient no longer agrees to a satisfaction call (booking's record says so now):
    their open satisfaction tasks are withdrawn, and nobody calls them."""
    for task in session.scalars(select(Task).where(
            Task.patient_id == patient_id, Task.kind == TaskKind.SATISFACTION,
            Task.status == TaskStatus.OPEN).with_for_update()):
        task.status, task.closed_at, task.updated_at = TaskStatus.WITHDRAWN, at, at
        task.claimed_by = task.claimed_until = task.dialled_by = task.dialled_at = None


def booked_for(session: Session, task: Task, code: str) -> bool:
    """Booking made (or moved) an appointment with ``code`` for the task's patient — the
    same phone and name — after the task opened, and it still stands."""
    return session.scalar(select(exists().where(
        KnownAppointment.code == code.upper(), KnownAppointment.phone == task.phone,
        KnownAppointment.name_key == task.name_key, KnownAppointment.cancelled_at.is_(None),
        KnownAppointment.booked_at >= task.created_at))) or False


def open_tasks_of(session: Session, *, patient_id: int | None, phone: str,
                  name_key: str) -> list[Task]:
    """One patient's open tasks (by id, or by phone and name), locked — but for a
    satisfaction call-back: a new booking answers no question about the last visit."""
    same_person = and_(Task.phone == phone, Task.name_key == name_key)
    if patient_id is not None:
        same_person = or_(Task.patient_id == patient_id, same_person)
    return list(session.scalars(select(Task).where(Task.status == TaskStatus.OPEN, same_person,
                                                   Task.kind != TaskKind.SATISFACTION)
                                .order_by(Task.id).with_for_update()))


def log_booking_call(session: Session, desk: FollowupDesk, tasks: list[Task], *, by: str,
                     code: str) -> int:
    """The consultant holding one of ``tasks`` booked its patient (from the call card):
    that is the successful call, logged in their name with the code. A claim that ran out
    within the last claim period still counts — the booking itself may have taken a while."""
    logged = 0
    for task in tasks:
        if task.claimed_by != by or task.claimed_until is None \
                or task.claimed_until < desk.now - desk.rules.claim:
            continue
        session.add(CallAttempt(task_id=task.id, by=by, at=desk.now, outcome=Outcome.BOOKED.value,
                                note="", appointment_code=code, started_at=started(task, by)))
        task.last_outcome = Outcome.BOOKED.value
        logged += 1
    return logged


def close_for_patient(session: Session, desk: FollowupDesk, *, patient_id: int | None, phone: str,
                      name_key: str, status: TaskStatus, code: str | None = None) -> int:
    """Close the open tasks of one patient (by id, or by phone and name); ``code`` is the
    appointment that closed them as booked, for the call card to say."""
    tasks = open_tasks_of(session, patient_id=patient_id, phone=phone, name_key=name_key)
    return close_tasks(desk, tasks, status=status, code=code)


def close_tasks(desk: FollowupDesk, tasks: list[Task], *, status: TaskStatus,
                code: str | None = None) -> int:
    """Close ``tasks`` (open, locked by :func:`open_tasks_of`) with ``status``."""
    for task in tasks:
        task.status, task.closed_at, task.updated_at = status, desk.now, desk.now
        task.claimed_by = task.claimed_until = task.dialled_by = task.dialled_at = None
        task.redial_pending = False
        if code is not None:
            task.booked_code = code
    return len(tasks)


def withdraw(session: Session, desk: FollowupDesk, appointment_id: int, kind: TaskKind) -> None:
    task = session.scalar(select(Task).where(Task.appointment_id == appointment_id,
                                             Task.kind == kind, Task.status == TaskStatus.OPEN))
    if task is not None:
        task.status, task.closed_at, task.updated_at = (TaskStatus.WITHDRAWN, desk.now,
                                                        desk.now)


def claim_minutes_left(task: Task, desk: FollowupDesk) -> int:
    if task.claimed_until is None or task.claimed_until <= desk.now:
        return 0
    return int((task.claimed_until - desk.now) / timedelta(minutes=1)) + 1
