"""Appointments as the API shows them: times in the hospital's zone, phones masked in lists."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.common.logging import mask_email, mask_phone

from ..appointments import link_for
from ..desk import Desk
from ..domain.confirmation import confirmation_text
from ..models import Appointment, Department, Expert, Patient, Slot


def describe(session: Session, desk: Desk, appointment: Appointment, *, masked: bool = False,
             with_confirmation: bool = False) -> dict[str, Any]:
    slot = session.get(Slot, appointment.slot_id)
    expert = session.get(Expert, appointment.expert_id)
    department = session.get(Department, appointment.department_id)
    patient = session.get(Patient, appointment.patient_id)
    assert slot is not None and expert is not None and patient is not None
    view = {
        "id": appointment.id, "code": appointment.code, "status": appointment.status,
        "queue_number": appointment.queue_number, "slot_id": slot.id, "date": slot.day,
        "start": slot.start_at.astimezone(desk.zone), "end": slot.end_at.astimezone(desk.zone),
        "session": slot.session, "channel": appointment.channel,
        "complaint": appointment.complaint, "overbooked": appointment.overbooked,
        "overbook_reason": appointment.overbook_reason,
        "override_reason": appointment.override_reason,
        "expert": {"id": expert.id, "name": expert.name, "title": expert.title,
                   "fee": f"{expert.fee:.2f}"},
        "department": {"id": department.id, "name": department.name,
                       "location": department.location} if department else None,
        "patient": {
            "name": patient.name,
            "phone": mask_phone(patient.phone) if masked else patient.phone,
            "email": mask_email(patient.email) if masked else patient.email,
            "sms_consent": patient.sms_consent, "email_consent": patient.email_consent,
        },
        "booked_by": appointment.booked_by, "created_at": appointment.created_at,
        "checked_in_at": appointment.checked_in_at,
        "cancel_reason": appointment.cancel_reason, "cancel_note": appointment.cancel_note,
    }
    if not masked:
        view["patient_link"] = link_for(desk, appointment)
    if with_confirmation:
        view["confirmation_text"] = confirmation_text(view, desk.hospital)
    return view
