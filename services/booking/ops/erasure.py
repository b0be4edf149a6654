"""Erasing a patient (PIPL): nothing personal left in booking, the counts kept.

Future appointments are cancelled without a message (the patient asked for this);
the record, complaints and free-text reasons are emptied; booking's outbox rows,
parked dead letters and stored answers that carried the patient's details are
scrubbed or deleted (``services.common.forgetting``, as every service does); then
``booking.patient.erased`` tells notify and followup to do the same.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.common.contracts.booking import PatientErased
from services.common.forgetting import Traces, forget_in_infrastructure
from services.common.forgetting import scrubbed as scrubbed_of
from services.common.unit_of_work import Work

from ..domain.patient_link import LINK_SCOPE, link_scope
from ..domain.privacy import ERASED_NAME, Access
from ..domain.rules import BookingDesk, NotFound, Rules
from ..domain.statuses import Action, AppointmentStatus, CancelReason, WaitStatus
from ..models import (
    Appointment,
    DeadLetter,
    IdempotencyRecord,
    OutboxMessage,
    Patient,
    PatientLink,
    StatusChange,
    WaitlistEntry,
    outbox,
)
from . import places, waitlist
from .access import record_access
from .history import record
from .links import forget_links
from .patients import lock_patient

PERSONAL_KEYS = ("name", "phone", "email")


def erase(work: Work[Rules], patient_id: int, reason: str) -> list[int]:
    """Erase the patient of an erasure request: their row locked first, then the clock
    read (see :func:`hold_patient`), so the erasure is dated after every booking for them
    that committed before it."""
    hold_patient(work.session, patient_id)
    desk = replace(work.desk, now=work.rt.now())
    return erase_patient(work.session, desk, patient_id, reason)


def erase_patient(session: Session, desk: BookingDesk, patient_id: int, reason: str) -> list[int]:
    """Forget the patient; return their appointments' ids (all of them, kept as counts).

    The patient's row is locked first (:func:`hold_patient`): a booking for them that
    is running commits first and its appointment is cancelled here; one that comes after
    finds the patient erased and is refused."""
    patient = hold_patient(session, patient_id)
    appointment_ids = list(session.scalars(select(Appointment.id).where(
        Appointment.patient_id == patient_id).order_by(Appointment.id)))
    traces = Traces.of(patient_id, appointment_ids, [patient.phone, patient.email])
    freed = _cancel_future_silently(session, desk, patient_id)
    _leave_waitlists(session, desk, patient_id)
    patient.name, patient.name_key = ERASED_NAME, f"erased-{patient_id}"
    patient.phone, patient.mobile, patient.email = "", False, None
    patient.sms_consent = patient.email_consent = patient.satisfaction_consent = False
    patient.id_number = patient.birth_date = patient.sex = patient.guardian_name = None
    patient.updated_at = patient.erased_at = desk.now
    session.execute(update(Appointment).where(Appointment.patient_id == patient_id).values(
        complaint="", cancel_note=None, override_reason=None, overbook_reason=None)
        .execution_options(synchronize_session=False))
    session.execute(update(StatusChange).where(StatusChange.appointment_id.in_(
        appointment_ids)).values(reason=None).execution_options(synchronize_session=False))
    forget_link_answers(session, appointment_ids)
    forget_links(session, appointment_ids)
    # its outbox rows scrubbed, parked letters and stored answers that name it deleted
    forget_in_infrastructure(
        session, traces, dead_letters=DeadLetter, outbox=OutboxMessage,
        outbox_where=OutboxMessage.patient_id == patient_id,
        scrub=lambda data: scrubbed(scrubbed_of(data, traces)), answers=IdempotencyRecord)
    record_access(session, desk, patient_id, Access.ERASE, reason)
    outbox.add(session, PatientErased(patient_id=patient_id, appointment_ids=appointment_ids),
               patient_id=patient_id)
    waitlist.places_freed(session, desk, freed)  # their places go to those waiting
    return appointment_ids


def forget_link_answers(session: Session, appointment_ids: list[int]) -> int:
    """Delete the stored answers of the patient's own changes through their links: they
    carry no patient id (a masked name, the code, the times), so the common sweep misses
    them. An answer is theirs when it was kept under one of their links' scopes, or — for a
    link already expired and purged, or an old signed one never stored — when it names one
    of their appointments' codes (codes are unique)."""
    if not appointment_ids:
        return 0
    tokens = session.scalars(select(PatientLink.token)
                             .where(PatientLink.appointment_id.in_(appointment_ids)))
    scopes = {link_scope(token) for token in tokens}
    codes = set(session.scalars(select(Appointment.code)
                                .where(Appointment.id.in_(appointment_ids))))
    gone = 0
    for answer in session.scalars(select(IdempotencyRecord).where(
            IdempotencyRecord.principal.startswith(LINK_SCOPE))):
        if answer.principal in scopes or names_a_code(answer.body, codes):
            session.delete(answer)
            gone += 1
    return gone


def names_a_code(body: str, codes: set[str]) -> bool:
    """Whether a link's answer (the patient's view of one appointment) names one of
    ``codes``."""
    try:
        view = json.loads(body or "{}")
    except ValueError:
        return False
    return isinstance(view, dict) and view.get("code") in codes


def hold_patient(session: Session, patient_id: int) -> Patient:
    """Lock the patient's row until the erasure commits; call it before reading the clock,
    so that the erasure is dated after every booking that committed before it."""
    patient = lock_patient(session, patient_id)
    if patient is None or patient.erased_at is not None:
        raise NotFound("patient")
    return patient


def _cancel_future_silently(session: Session, desk: BookingDesk, patient_id: int) -> list[int]:
    """Give the places back and record why; no event, so no message goes out. Return the
    slots freed (the waitlist gets them once the patient is forgotten)."""
    future = session.scalars(select(Appointment).where(
        Appointment.patient_id == patient_id, Appointment.status == AppointmentStatus.BOOKED,
        Appointment.start_at > desk.now).with_for_update()).all()
    freed = []
    for appointment in future:
        if appointment.overbooked:
            places.free_overbooked_place(session, appointment.slot_id)
        else:
            places.free_booked_place(session, appointment.slot_id)
            freed.append(appointment.slot_id)
        appointment.status = AppointmentStatus.CANCELLED
        appointment.cancel_reason = CancelReason.PATIENT.value
        appointment.updated_at = desk.now
        record(session, desk, appointment.id, AppointmentStatus.BOOKED,
               AppointmentStatus.CANCELLED, Action.CANCEL, "patient's data erased")
    return freed


def _leave_waitlists(session: Session, desk: BookingDesk, patient_id: int) -> None:
    session.execute(update(WaitlistEntry).where(
        WaitlistEntry.patient_id == patient_id, WaitlistEntry.status == WaitStatus.WAITING)
        .values(status=WaitStatus.ENDED, ended_at=desk.now, end_reason="patient erased")
        .execution_options(synchronize_session=False))
    session.execute(update(WaitlistEntry).where(WaitlistEntry.patient_id == patient_id)
                    .values(complaint="", override_reason=None)
                    .execution_options(synchronize_session=False))


def scrubbed(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    if isinstance(data.get("patient"), dict):
        data["patient"] = {**data["patient"], **dict.fromkeys(PERSONAL_KEYS, ""),
                           "email": None, "sms_consent": False, "email_consent": False,
                           "satisfaction_consent": False}
    if "patient_link" in data:
        data["patient_link"] = ""
    return data
