"""Appointments as facts: one query per appointment (or per search), every join at once."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from sqlalchemy import Select, case, or_, select
from sqlalchemy.orm import Session

from ..domain.facts import (
    AppointmentFacts,
    DepartmentRef,
    ExpertRef,
    PatientContact,
    SlotTime,
)
from ..domain.privacy import PhoneSearch
from ..domain.rules import BookingDesk, NotFound
from ..domain.statuses import AppointmentStatus
from ..models import Appointment, Department, Expert, Patient, Slot


def appointments_joined() -> Select[Appointment, Slot, Expert, Department, Patient]:
    return (select(Appointment, Slot, Expert, Department, Patient)
            .join(Slot, Slot.id == Appointment.slot_id)
            .join(Expert, Expert.id == Appointment.expert_id)
            .outerjoin(Department, Department.id == Appointment.department_id)
            .join(Patient, Patient.id == Appointment.patient_id))


def facts_of(appointment: Appointment, slot: Slot, expert: Expert, department: Department | None,
             patient: Patient, desk: BookingDesk) -> AppointmentFacts:
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
                               email_consent=patient.email_consent,
                               satisfaction_consent=patient.satisfaction_consent),
        hospital=desk.hospital, zone=desk.zone)


def load_facts(session: Session, desk: BookingDesk, appointment_id: int) -> AppointmentFacts:
    row = session.execute(appointments_joined().where(Appointment.id == appointment_id)).first()
    if row is None:
        raise NotFound("appointment")
    appointment, slot, expert, department, patient = row
    return facts_of(appointment, slot, expert, department, patient, desk)


def search(session: Session, desk: BookingDesk, *, day: date | None = None, code: str | None = None,
           phone: PhoneSearch | None = None, q: str | None = None,
           q_phone: PhoneSearch | None = None, status: str | None = None,
           expert_id: int | None = None, slot_ids: list[int] | None = None,
           limit: int = 100) -> list[AppointmentFacts]:
    """Appointments by date, status, expert, code, phone or name. ``q`` is what a desk
    types: a code (or its start) or a name (or part of it); ``q_phone`` is the phone it
    means, when the caller may search by phone (the whole number, or exactly its last
    four digits: never another fragment, see ``domain.privacy``). On one day the order
    is the roster's; across dates the nearest visits to today come first, upcoming before
    past."""
    statement = appointments_joined().limit(limit)
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
    if phone is not None:
        conditions.append(phone_matches(phone))
    if q:
        conditions.append(matching(q, q_phone))
    rows = session.execute(statement.where(*conditions)).all()
    return [facts_of(appointment, slot, expert, department, patient, desk)
            for appointment, slot, expert, department, patient in rows]


def phone_matches(phone: PhoneSearch) -> Any:
    """The whole number compared for equality, or exactly the last four digits as a suffix."""
    if phone.full:
        return Patient.phone == phone.full
    return Patient.phone.endswith(phone.last_four or "", autoescape=True)


def matching(q: str, q_phone: PhoneSearch | None = None) -> Any:
    text = " ".join(unicodedata.normalize("NFKC", q).split())
    matches: list[Any] = [Patient.name.contains(text, autoescape=True)]
    if len(text) >= 4 and text.isalnum() and text.isascii():
        matches.append(Appointment.code.startswith(text.upper(), autoescape=True))
    if q_phone is not None:
        matches.append(phone_matches(q_phone))
    return or_(*matches)
