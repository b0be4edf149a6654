"""Forgetting an erased patient: their enquiries, tasks and call notes keep nothing
personal, the appointments booking told of are forgotten, parked events and stored
answers naming them are deleted; the counts of the funnel stay."""

from __future__ import annotations

import json
from collections.abc import Collection

from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.orm import Session

from services.common.contracts.booking import PatientErased
from services.common.db import checkpoint_after_commit
from services.common.forgetting import Traces, forget_in_infrastructure

from ..domain.calling import FollowupDesk
from ..domain.statuses import TaskStatus
from ..models import (
    CallAttempt,
    Complaint,
    DeadLetter,
    Enquiry,
    IdempotencyRecord,
    KnownAppointment,
    KnownPatient,
    SatisfactionAnswer,
    Task,
    TaskHandover,
)
from ..reads.patients import theirs

ERASED = "（已删除）"


def forget_patient(session: Session, desk: FollowupDesk, erased: PatientErased) -> None:
    known = session.get(KnownPatient, erased.patient_id)
    enquiry_ids, task_ids = theirs(session, erased.patient_id, known,
                                   erased.appointment_ids)
    phones = {known.phone} if known is not None else set()
    phones |= set(session.scalars(select(Enquiry.phone).where(Enquiry.id.in_(enquiry_ids))))
    phones |= set(session.scalars(select(Task.phone).where(Task.id.in_(task_ids))))
    traces = Traces.of(erased.patient_id, erased.appointment_ids, phones)
    session.execute(update(Enquiry).where(Enquiry.id.in_(enquiry_ids)).values(
        name=ERASED, name_key=f"erased-{erased.patient_id}", phone="", complaint="", note="",
        updated_at=desk.now).execution_options(synchronize_session=False))
    for task in session.scalars(select(Task).where(Task.id.in_(task_ids))):
        task.name, task.name_key, task.phone, task.context = (
            ERASED, f"erased-{erased.patient_id}", "", statistics_of(task.context))
        if task.status == TaskStatus.OPEN:
            task.status, task.closed_at = TaskStatus.WITHDRAWN, desk.now
        task.claimed_by = task.claimed_until = None
        task.updated_at = desk.now
    for model in (CallAttempt, TaskHandover, SatisfactionAnswer):
        session.execute(update(model).where(model.task_id.in_(task_ids))
                        .values(note="").execution_options(synchronize_session=False))
    forget_complaints(session, desk, erased.patient_id, task_ids, phones,
                      known.name_key if known is not None else None)
    theirs_booked = or_(KnownAppointment.patient_id == erased.patient_id,
                        KnownAppointment.appointment_id.in_(erased.appointment_ids))
    if known is not None:
        theirs_booked = or_(theirs_booked, and_(KnownAppointment.phone == known.phone,
                                                KnownAppointment.name_key == known.name_key))
    session.execute(delete(KnownAppointment).where(theirs_booked)
                    .execution_options(synchronize_session=False))
    if known is not None:
        session.delete(known)
    # parked events and stored answers (enquiries) that name the patient go
    forget_in_infrastructure(session, traces, dead_letters=DeadLetter,
                             answers=IdempotencyRecord)
    checkpoint_after_commit(session)  # SQLite: erased pages leave the -wal file
    session.flush()


def forget_complaints(session: Session, desk: FollowupDesk, patient_id: int,
                      task_ids: Collection[int], phones: set[str],
                      key: str | None) -> None:
    """The patient's complaints (from their tasks, or their phone and name) keep their
    department, dates and status — the managers' counts — and nothing personal."""
    theirs_said: ColumnElement[bool] = Complaint.task_id.in_(task_ids)
    if key is not None:
        theirs_said = or_(theirs_said, and_(Complaint.phone.in_(phones),
                                            Complaint.name_key == key))
    session.execute(update(Complaint).where(theirs_said).values(
        patient_name=ERASED, name_key=f"erased-{patient_id}", phone="", what="", wish="",
        resolution="", closing_note="", updated_at=desk.now)
        .execution_options(synchronize_session=False))


#: What a task's context keeps after an erasure: whom the visit was with, nothing about
#: the patient — so satisfaction results by expert and department stay (SPEC §8).
KEPT_FACTS = ("expert_id", "expert", "department_id", "department")


def statistics_of(context: str) -> str:
    facts = json.loads(context or "{}")
    return json.dumps({k: facts[k] for k in KEPT_FACTS if k in facts}, ensure_ascii=False)
