"""Enquiries: people who asked but did not book, recorded by the consultant who spoke to
them; booked later under the same phone and name, they count as converted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.contracts.booking import AppointmentEvent
from services.common.patient_identity import name_key

from ..domain.calling import FollowupDesk
from ..domain.statuses import EnquiryStatus
from ..models import Enquiry


def record_enquiry(session: Session, desk: FollowupDesk, *, name: str, phone: str, channel: str,
                   department_id: int | None, complaint: str, call_consent: bool,
                   note: str) -> Enquiry:
    enquiry = Enquiry(name=name, name_key=name_key(name), phone=phone, channel=channel,
                      department_id=department_id, complaint=complaint, note=note,
                      call_consent=call_consent, status=EnquiryStatus.OPEN,
                      recorded_by=desk.by, created_at=desk.now, updated_at=desk.now)
    session.add(enquiry)
    session.flush()
    return enquiry


def convert(session: Session, desk: FollowupDesk, booked: AppointmentEvent) -> int:
    """Every open enquiry of the same phone **and** name becomes converted with this
    appointment (a family member booked on the phone converts nothing)."""
    patient = booked.patient
    enquiries = session.scalars(select(Enquiry).where(
        Enquiry.status == EnquiryStatus.OPEN, Enquiry.phone == patient.phone,
        Enquiry.name_key == name_key(patient.name))).all()
    for enquiry in enquiries:
        enquiry.status = EnquiryStatus.CONVERTED
        enquiry.converted_at, enquiry.updated_at = desk.now, desk.now
        enquiry.appointment_id, enquiry.appointment_code = booked.appointment_id, booked.code
        enquiry.patient_id = patient.id
    return len(enquiries)


def arrived(session: Session, appointment_id: int, at: datetime | None) -> None:
    """The converted enquiry's appointment was checked in (or, with ``at`` None, undone)."""
    for enquiry in session.scalars(select(Enquiry).where(
            Enquiry.appointment_id == appointment_id)):
        enquiry.arrived_at = at
