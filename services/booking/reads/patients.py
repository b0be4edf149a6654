"""Patients as the desks find them, and everything booking holds on one of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.common.access_records import access_rows
from services.common.patient_identity import name_key

from ..domain.privacy import PhoneSearch
from ..domain.rules import BookingDesk, NotFound
from ..models import AccessRecord, Appointment, Expert, Patient, StatusChange, WaitlistEntry
from .appointments import phone_matches

FIELDS = ("id", "name", "phone", "mobile", "email", "sms_consent", "email_consent",
          "satisfaction_consent",
          "id_number", "birth_date", "sex", "guardian_name")


def record_of(patient: Patient) -> dict[str, Any]:
    return {field: getattr(patient, field) for field in FIELDS}


def get_patient(session: Session, patient_id: int) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None or patient.erased_at is not None:
        raise NotFound("patient")
    return patient


def find_patients(session: Session, *, phone: PhoneSearch | None = None, q: str | None = None,
                  code: str | None = None, patient_id: int | None = None,
                  limit: int = 20) -> list[Patient]:
    """Returning patients by their phone (the whole number, or exactly its last four
    digits: see ``domain.privacy``), a part of the name, one of their appointments' codes
    or their id; most recently seen first."""
    statement = (select(Patient).where(Patient.erased_at.is_(None))
                 .order_by(Patient.updated_at.desc()).limit(limit))
    if phone is not None:
        statement = statement.where(phone_matches(phone))
    if q:
        statement = statement.where(or_(Patient.name.contains(q.strip(), autoescape=True),
                                        Patient.name_key.contains(name_key(q),
                                                                  autoescape=True)))
    if code:
        statement = statement.where(Patient.id.in_(select(Appointment.patient_id).where(
            Appointment.code == code.strip().upper())))
    if patient_id is not None:
        statement = statement.where(Patient.id == patient_id)
    return list(session.scalars(statement))


def appointments_of(session: Session, desk: BookingDesk, patient_id: int,
                    limit: int = 50) -> list[dict[str, Any]]:
    """The patient's appointments, newest visit first."""
    rows = session.execute(
        select(Appointment, Expert.name).join(Expert, Expert.id == Appointment.expert_id)
        .where(Appointment.patient_id == patient_id)
        .order_by(Appointment.start_at.desc()).limit(limit)).all()
    return [{"id": a.id, "code": a.code, "status": a.status, "date": a.day,
             "start": a.start_at.astimezone(desk.zone), "expert": name,
             "queue_number": a.queue_number, "cancel_reason": a.cancel_reason}
            for a, name in rows]


def history_of(session: Session, appointment_id: int) -> list[dict[str, Any]]:
    """Every status change of one appointment, oldest first, with who and why."""
    rows = session.scalars(select(StatusChange).where(
        StatusChange.appointment_id == appointment_id).order_by(StatusChange.id))
    return [{"at": r.at, "action": r.action, "from_status": r.from_status,
             "to_status": r.to_status, "by": r.by, "reason": r.reason} for r in rows]


def export_of(session: Session, patient_id: int) -> dict[str, Any]:
    """Everything booking holds on one patient (PIPL's right of access), unmasked."""
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound("patient")
    appointments = session.scalars(select(Appointment).where(
        Appointment.patient_id == patient_id).order_by(Appointment.id)).all()
    return {
        "service": "booking",
        "patient": {**record_of(patient), "created_at": patient.created_at,
                    "updated_at": patient.updated_at, "erased_at": patient.erased_at},
        "appointments": [{
            "id": a.id, "code": a.code, "status": a.status, "date": a.day,
            "start": a.start_at, "expert_id": a.expert_id, "department_id": a.department_id,
            "queue_number": a.queue_number, "channel": a.channel, "complaint": a.complaint,
            "booked_by": a.booked_by, "created_at": a.created_at,
            "cancel_reason": a.cancel_reason, "cancel_note": a.cancel_note,
            "history": history_of(session, a.id)} for a in appointments],
        "waitlist": [{
            "id": w.id, "expert_id": w.expert_id, "date": w.day, "status": w.status,
            "channel": w.channel, "complaint": w.complaint, "added_by": w.added_by,
            "created_at": w.created_at, "appointment_id": w.appointment_id,
            "ended_at": w.ended_at, "end_reason": w.end_reason}
            for w in session.scalars(select(WaitlistEntry).where(
                WaitlistEntry.patient_id == patient_id).order_by(WaitlistEntry.id))],
        "access_log": access_log(session, patient_id=patient_id),
    }


def access_log(session: Session, *, patient_id: int) -> list[dict[str, Any]]:
    """The patient's rows of the access log, for their export."""
    return access_rows(session, AccessRecord, patient_id=patient_id)
