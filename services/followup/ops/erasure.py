"""Forgetting an erased patient: their enquiries, tasks and call notes keep nothing
personal, the appointments booking told of are forgotten; the counts of the funnel stay."""

from __future__ import annotations

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from services.common.contracts.booking import PatientErased

from ..domain.desk import Desk
from ..domain.statuses import TaskStatus
from ..models import CallAttempt, Enquiry, KnownAppointment, KnownPatient, Task
from ..reads.patients import theirs

ERASED = "（已删除）"


def forget_patient(session: Session, desk: Desk, erased: PatientErased) -> None:
    known = session.get(KnownPatient, erased.patient_id)
    enquiry_ids, task_ids = theirs(session, erased.patient_id, known,
                                   erased.appointment_ids)
    session.execute(update(Enquiry).where(Enquiry.id.in_(enquiry_ids)).values(
        name=ERASED, name_key=f"erased-{erased.patient_id}", phone="", complaint="", note="",
        updated_at=desk.now).execution_options(synchronize_session=False))
    for task in session.scalars(select(Task).where(Task.id.in_(task_ids))):
        task.name, task.name_key, task.phone, task.context = (
            ERASED, f"erased-{erased.patient_id}", "", "{}")
        if task.status == TaskStatus.OPEN:
            task.status, task.closed_at = TaskStatus.WITHDRAWN, desk.now
        task.claimed_by = task.claimed_until = None
        task.updated_at = desk.now
    session.execute(update(CallAttempt).where(CallAttempt.task_id.in_(task_ids))
                    .values(note="").execution_options(synchronize_session=False))
    theirs_booked = or_(KnownAppointment.patient_id == erased.patient_id,
                        KnownAppointment.appointment_id.in_(erased.appointment_ids))
    if known is not None:
        theirs_booked = or_(theirs_booked, and_(KnownAppointment.phone == known.phone,
                                                KnownAppointment.name_key == known.name_key))
    session.execute(delete(KnownAppointment).where(theirs_booked)
                    .execution_options(synchronize_session=False))
    if known is not None:
        session.delete(known)
    session.flush()
