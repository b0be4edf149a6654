"""Appointments as facts: one query per appointment (or per search), every join at once."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from sqlalchemy import Select, case, or_, select
from sqlalchemy.orm import Session

from services.common.contracts.booking import DepartmentRef, ExpertRef, PatientContact, SlotTime

from ..domain.desk import Desk
from ..domain.facts import AppointmentFacts
from ..domain.rules import NotFound
from ..domain.statuses import AppointmentStatus
from ..models import Appointment, Department, Expert, Patient, Slot


def _joined() -> Select[Appointment, Slot, Expert, Department, Patient]:
    return (select(Appointment, Slot, Expert, Department, Patient)
            .join(Slot, Slot.id == Appointment.slot_id)
            .join(Expert, Expert.id == Appointment.expert_id)
            .outerjoin(Department, Department.id == Appointment.department_id)
            .join(Patient, Patient.id == Appointment.patient_id))


def facts_of(appointment: Appointment, slot: Slot, expert: Expert, department: Department | None,
             patient: Patient, desk: Desk) -> AppointmentFacts:
    """The facts of rows already at hand (a booking builds them from what it just wrote)."""
    return AppointmentFacts(
        id=appointment.id, code=appointment.code,
        status=AppointmentStatus(appointment.status), queue_number=appointment.queue_number,
        channel=appointment.channel, overbooked=appointment.overbooked,
        overbook_reason=appointment.overbook_reason,
        override_reason=appointment.override_reason, complaint=appointment.complaint,
        booked_by=appointment.booked_by, created_at=appointment.created_at,
        checked_in_at=appointment.checked_in_at, cancel_reason=appointment.cancel_reason,
        cancel_note=appointment.cancel_note, visit_ends=appointment.session_end_at,
        slot=SlotTime(slot_id=slot.id, start=slot.start_at, end=slot.end_at, date=slot.day,
                      session=slot.session),
        expert=ExpertRef(id=expert.id, name=expert.name, title=expert.title,
                         fee=f"{expert.fee:.2f}"),
        department=DepartmentRef(id=department.id, name=department.name,
                                 location=department.location) if department else None,
        patient=PatientContact(id=patient.id, name=patient.name, phone=patient.phone,
                               mobile=patient.mobile, email=patient.email,
                               sms_consent=patient.sms_consent,
                               email_consent=patient.email_consent),
        hospital=desk.hospital, zone=desk.zone)


def load_facts(session: Session, desk: Desk, appointment_id: int) -> AppointmentFacts:
    row = session.execute(_joined().where(Appointment.id == appointment_id)).first()
    if row is None:
        raise NotFound("appointment")
    appointment, slot, expert, department, patient = row
    return facts_of(appointment, slot, expert, department, patient, desk)


def search(session: Session, desk: Desk, *, day: date | None = None, code: str | None = None,
           phone: str | None = None, q: str | None = None, status: str | None = None,
           expert_id: int | None = None, slot_ids: list[int] | None = None,
           limit: int = 100) -> list[AppointmentFacts]:
    """Appointments by date, status, expert, code, phone or name. ``q`` is what a desk
    types: a code (or its start), a name (or part of it), or digits of a phone — the
    whole number in any spelling, or a part of it. On one day the order is the roster's;
    across dates the nearest visits to today come first, upcoming before past."""
    statement = _joined().limit(limit)
    if day is not None:
        statement = statement.order_by(Appointment.expert_id, Appointment.queue_number)
    else:
        upcoming = case((Appointment.day >= desk.today, 0), else_=1)
        ahead = case((Appointment.day >= desk.today, Appointment.start_at))
        statement = statement.order_by(upcoming, ahead, Appointment.start_at.desc())
    conditions: list[Any] = []
    if day is not None:
        conditions.append(Appointment.day == day)
    if status:
        conditions.append(Appointment.status == status)
    if expert_id:
        conditions.append(Appointment.expert_id == expert_id)
    if slot_ids is not None:
        conditions.append(Appointment.slot_id.in_(slot_ids))
    if code:
        conditions.append(Appointment.code == code.strip().upper())
    if phone:
        conditions.append(Patient.phone.like(f"%{phone_digits(phone)}"))
    if q:
        conditions.append(matching(q))
    rows = session.execute(statement.where(*conditions)).all()
    return [facts_of(appointment, slot, expert, department, patient, desk)
            for appointment, slot, expert, department, patient in rows]


def phone_digits(text: str) -> str:
    """The digits of a phone as typed: full-width folded, spaces, dashes and brackets gone."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())


def matching(q: str) -> Any:
    text = " ".join(unicodedata.normalize("NFKC", q).split())
    matches: list[Any] = [Patient.name.contains(text, autoescape=True)]
    if len(text) >= 4 and text.isalnum() and text.isascii():
        matches.append(Appointment.code.startswith(text.upper(), autoescape=True))
    compact = re.sub(r"[\s\-()+]", "", text)
    if len(compact) >= 4 and compact.isdigit():
        # a phone, whole in any spelling (+86 138-0013-8000) or a part of it (0013 8000):
        # the stored E.164 number contains its digits
        matches.append(Patient.phone.contains(compact, autoescape=True))
    return or_(*matches)
