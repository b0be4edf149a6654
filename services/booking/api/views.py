"""Appointments and patients as staff see them: times in the hospital's zone, contact data
as the viewer's role allows (SPEC §8)."""

from __future__ import annotations

from typing import Any

from services.common.logging import mask_email, mask_phone
from services.common.phones import mask_in_text

from ..domain.confirmation import confirmation_text
from ..domain.facts import AppointmentFacts
from ..domain.patients import mask_id_number


def staff_view(facts: AppointmentFacts, *, contact: bool = False, complaint: bool = False,
               patient_link: str | None = None, with_confirmation: bool = False,
               history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The answer of the appointment endpoints (``AppointmentSchema``).

    ``contact`` gives the full phone and email (logged by the caller); otherwise they are
    masked. ``complaint`` is for the desks that talk to the patient; managers and admins
    never get it; a phone or identity number written into it is masked unless ``contact``.
    The patient link goes only into the answer to a booking.
    """
    patient = facts.patient
    view: dict[str, Any] = {
        "id": facts.id, "code": facts.code, "status": facts.status.value,
        "queue_number": facts.queue_number, "slot_id": facts.slot.slot_id,
        "date": facts.slot.date, "start": facts.local_start, "end": facts.local_end,
        "session": facts.slot.session, "channel": facts.channel,
        "overbooked": facts.overbooked,
        "overbook_reason": facts.overbook_reason, "override_reason": facts.override_reason,
        "expert": facts.expert, "department": facts.department,
        "patient": {
            "id": patient.id, "name": patient.name, "mobile": patient.mobile,
            "phone": patient.phone if contact else mask_phone(patient.phone),
            "email": patient.email if contact else mask_email(patient.email) or None,
            "sms_consent": patient.sms_consent, "email_consent": patient.email_consent,
            "satisfaction_consent": patient.satisfaction_consent,
        },
        "booked_by": facts.booked_by, "created_at": facts.created_at,
        "checked_in_at": facts.checked_in_at,
        "cancel_reason": facts.cancel_reason, "cancel_note": facts.cancel_note,
    }
    if complaint:
        view["complaint"] = facts.complaint if contact else mask_in_text(facts.complaint)
    if history is not None:
        view["history"] = history
    if patient_link:
        view["patient_link"] = patient_link
    if with_confirmation:
        view["confirmation_text"] = confirmation_text(facts, patient_link)
    return view


def patient_view(record: dict[str, Any], *, contact: bool) -> dict[str, Any]:
    """A patient record (``PatientOut``); the identity card number is always masked."""
    return {**record,
            "phone": record["phone"] if contact else mask_phone(record["phone"]),
            "email": record["email"] if contact else mask_email(record["email"]) or None,
            "id_number": mask_id_number(record["id_number"])}
