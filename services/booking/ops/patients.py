"""Patients: found by id, or by phone and name; created or updated, never overwritten.

A booking for 小红 on the phone 小明 was booked with makes a second patient who
shares the phone; 小明's record is left as it was. A field a booking leaves out
keeps its stored value.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.db import inserted, keep_loaded, table_of
from services.common.patient_identity import name_key
from services.common.phones import is_mobile

from ..domain.patients import InvalidPatient, PatientRequest
from ..domain.privacy import Access
from ..domain.rules import BookingDesk, NotFound, RuleBroken
from ..models import Patient
from .access import record_access

KEY = ["phone", "name_key"]


def remember_patient(session: Session, desk: BookingDesk,
                     request: PatientRequest) -> tuple[Patient, bool]:
    """The patient the request names, with what they told us now laid over what we knew;
    and whether they are new (a new patient has no appointments to duplicate or miss)."""
    told = request.details.told()
    if request.id is not None:
        patient, new = _existing(session, request.id), False
    else:
        patient, new = _inserted_or_found(session, _new_row(told, desk))
    keep_loaded(session, patient)
    if new:
        record_access(session, desk, patient.id, Access.CREATE_PATIENT)
    else:
        _update(session, desk, patient, told)
    if patient.email_consent and not patient.email:
        raise InvalidPatient("email_consent", "Email consent needs an email address.")
    return patient, new


def _existing(session: Session, patient_id: int) -> Patient:
    """The patient's row, locked until the booking commits (see :func:`lock_patient`);
    an erased patient is refused: nothing may be booked for a record that is gone."""
    patient = lock_patient(session, patient_id)
    if patient is None:
        raise NotFound("patient")
    if patient.erased_at is not None:
        raise RuleBroken("patient_erased", "This patient's data was erased; they cannot be "
                         "booked. Book them as a new patient if they ask again.")
    return patient


def lock_patient(session: Session, patient_id: int) -> Patient | None:
    """Read the patient's row with ``SELECT … FOR UPDATE`` (PostgreSQL; SQLite's single
    writer already takes turns): a booking and an erasure of one patient take turns, so
    no booking for them commits after their erasure (SPEC §11)."""
    return session.scalar(select(Patient).where(Patient.id == patient_id)
                          .with_for_update().execution_options(populate_existing=True))


def _inserted_or_found(session: Session, row: dict[str, Any]) -> tuple[Patient, bool]:
    """A new patient's row as written (no read back: the insert returned its id), or the
    patient who already has this phone and name."""
    table = table_of(Patient)
    written = inserted(session, table, row, KEY, table.c.id)
    if written is not None:
        return Patient(id=written.id, erased_at=None, **row), True
    return _by_phone_and_name(session, row["phone"], row["name"]), False


def _by_phone_and_name(session: Session, phone: str, name: str) -> Patient:
    """The patient with this phone and name, locked as :func:`lock_patient` locks."""
    patient = session.scalar(select(Patient).where(Patient.phone == phone,
                                                   Patient.name_key == name_key(name))
                             .with_for_update().execution_options(populate_existing=True))
    if patient is None or patient.erased_at is not None:
        # erased while this booking waited for the row: it is no one's phone and name now
        raise RuleBroken("patient_erased", "This patient's data was erased just now; book "
                         "again to make a new record.")
    return patient


def _new_row(told: dict[str, Any], desk: BookingDesk) -> dict[str, Any]:
    return {"phone": told["phone"], "name": told["name"], "name_key": name_key(told["name"]),
            "mobile": is_mobile(told["phone"]), "email": told.get("email"),
            "sms_consent": told.get("sms_consent", False),
            "email_consent": told.get("email_consent", False),
            "satisfaction_consent": told.get("satisfaction_consent", False),
            "id_number": told.get("id_number"), "birth_date": told.get("birth_date"),
            "sex": told.get("sex"), "guardian_name": told.get("guardian_name"),
            "created_at": desk.now, "updated_at": desk.now}


def _update(session: Session, desk: BookingDesk, patient: Patient, told: dict[str, Any]) -> None:
    """Lay the told fields over the record; log which changed (names, never values)."""
    changed = [field for field, value in told.items() if getattr(patient, field) != value]
    if not changed:
        return
    for field in changed:
        setattr(patient, field, told[field])
    if "name" in changed:
        patient.name_key = name_key(patient.name)
    if "phone" in changed:
        patient.mobile = is_mobile(patient.phone)
    patient.updated_at = desk.now
    session.flush()
    record_access(session, desk, patient.id, Access.UPDATE_PATIENT, ", ".join(sorted(changed)))
