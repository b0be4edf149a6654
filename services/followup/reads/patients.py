"""What followup holds on one of booking's patients: found by their id, and by the phone
and name booking's events gave them (enquiries recorded before any booking)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from ..models import (
    AccessRecord,
    CallAttempt,
    Complaint,
    Enquiry,
    KnownAppointment,
    KnownPatient,
    SatisfactionAnswer,
    Task,
    TaskHandover,
)


def theirs(session: Session, patient_id: int, known: KnownPatient | None,
           appointment_ids: list[int] | None = None) -> tuple[list[int], list[int]]:
    """The ids of the patient's enquiries and tasks."""
    enquiry_match = [Enquiry.patient_id == patient_id]
    task_match = [Task.patient_id == patient_id]
    if known is not None:
        enquiry_match.append(and_(Enquiry.phone == known.phone,
                                  Enquiry.name_key == known.name_key))
        task_match.append(and_(Task.phone == known.phone, Task.name_key == known.name_key))
    if appointment_ids:
        task_match.append(Task.appointment_id.in_(appointment_ids))
    enquiry_ids = list(session.scalars(select(Enquiry.id).where(or_(*enquiry_match))))
    if enquiry_ids:
        task_match.append(Task.enquiry_id.in_(enquiry_ids))
    task_ids = list(session.scalars(select(Task.id).where(or_(*task_match))))
    return enquiry_ids, task_ids


ENQUIRY = ("id", "name", "phone", "channel", "department_id", "complaint", "note",
           "call_consent", "status", "recorded_by", "created_at", "converted_at",
           "appointment_code", "arrived_at")
TASK = ("id", "kind", "status", "name", "phone", "due_at", "attempts", "last_outcome",
        "created_at", "closed_at", "booked_code")
APPOINTMENT = ("appointment_id", "code", "phone", "booked_by", "booked_at", "cancelled_at")
CALL = ("id", "task_id", "by", "at", "outcome", "note", "call_back_at", "appointment_code",
        "started_at", "objection")
HANDOVER = ("id", "task_id", "by", "to", "note", "at")
SATISFACTION = ("task_id", "appointment_id", "expert_name", "department_name", "explanation",
                "waiting", "overall", "note", "by", "at")
COMPLAINT = ("id", "source", "task_id", "patient_name", "phone", "what", "wish",
             "department_id", "expert_id", "status", "owner", "due_on", "resolution",
             "resolved_at", "closing_note", "closed_at", "recorded_by", "created_at")


def complaints_of(task_ids: list[int], known: KnownPatient | None) -> Any:
    """The patient's complaints: from their tasks' call cards, or by their phone and name."""
    match: list[ColumnElement[bool]] = [Complaint.task_id.in_(task_ids)]
    if known is not None:
        match.append(and_(Complaint.phone == known.phone, Complaint.name_key == known.name_key))
    return or_(*match)


def export_of(session: Session, patient_id: int) -> dict[str, Any]:
    """Everything followup holds on the patient (PIPL's right of access), unmasked."""
    known = session.get(KnownPatient, patient_id)
    enquiry_ids, task_ids = theirs(session, patient_id, known)
    rows = {
        "enquiries": (Enquiry, ENQUIRY, Enquiry.id.in_(enquiry_ids)),
        "tasks": (Task, TASK, Task.id.in_(task_ids)),
        "calls": (CallAttempt, CALL, CallAttempt.task_id.in_(task_ids)),
        "handovers": (TaskHandover, HANDOVER, TaskHandover.task_id.in_(task_ids)),
        "satisfaction": (SatisfactionAnswer, SATISFACTION,
                         SatisfactionAnswer.task_id.in_(task_ids)),
        "complaints": (Complaint, COMPLAINT, complaints_of(task_ids, known)),
        "appointments": (KnownAppointment, APPOINTMENT,
                         KnownAppointment.patient_id == patient_id),
        "access_log": (AccessRecord, ("at", "staff", "action", "task_id", "detail"),
                       AccessRecord.patient_id == patient_id),
    }
    found: dict[str, Any] = {"service": "followup"}
    for name, (model, columns, where) in rows.items():
        found[name] = [{c: getattr(row, c) for c in columns}
                       for row in session.scalars(select(model).where(where))]
    return found
