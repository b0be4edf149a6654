"""Booking's events as notify's own values: the one place notify reads the wire's classes.

The handlers hand each appointment event to :func:`visit_of`; a message keeps the event's
data (``kept``) to be rendered again when it is sent, and :func:`kept_visit` reads that
back. Everything past this module — planning, composing, the templates — sees a
:class:`~services.notify.domain.visit.Visit`, so a change to booking's contract is met
here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.common.contracts.booking import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentEvent,
    AppointmentRescheduled,
    ConfirmationRequested,
    HospitalFacts,
    PatientContact,
)
from services.common.hospital import Hospital

from .domain.visit import Cancellation, Department, Expert, Happened, Offer, Patient, Visit

#: The appointment events that are told to the patient, and what each says happened.
TOLD: dict[type[AppointmentEvent], Happened] = {
    AppointmentBooked: Happened.BOOKED, AppointmentCancelled: Happened.CANCELLED,
    AppointmentRescheduled: Happened.RESCHEDULED,
    ConfirmationRequested: Happened.CONFIRMATION_ASKED}
_BY_TYPE = {kind.TYPE: kind for kind in TOLD}


def visit_of(facts: AppointmentEvent) -> Visit:
    """The visit an appointment event tells of, in notify's values."""
    department = facts.department
    return Visit(
        happened=TOLD[type(facts)], appointment_id=facts.appointment_id, code=facts.code,
        status=facts.status, queue_number=facts.queue_number, start=facts.slot.start,
        end=facts.slot.end, time_zone=facts.time_zone,
        expert=Expert(id=facts.expert.id, name=facts.expert.name, title=facts.expert.title,
                      fee=facts.expert.fee),
        department=Department(id=department.id, name=department.name,
                              location=department.location) if department else None,
        patient=patient_of(facts.patient), hospital=hospital_of(facts.hospital),
        link=facts.patient_link,
        from_waitlist=isinstance(facts, AppointmentBooked) and facts.from_waitlist,
        cancellation=_cancellation(facts) if isinstance(facts, AppointmentCancelled) else None,
        previous_start=facts.previous.slot.start
        if isinstance(facts, AppointmentRescheduled) else None)


def patient_of(contact: PatientContact) -> Patient:
    return Patient(id=contact.id, name=contact.name, phone=contact.phone, mobile=contact.mobile,
                   email=contact.email, sms_consent=contact.sms_consent,
                   email_consent=contact.email_consent)


def hospital_of(facts: HospitalFacts | None) -> Hospital | None:
    if facts is None:
        return None
    return Hospital(name=facts.name, address=facts.address, directions=facts.directions,
                    phone=facts.phone, time_zone=facts.time_zone, language=facts.language)


def _cancellation(facts: AppointmentCancelled) -> Cancellation:
    told = facts.cancellation
    return Cancellation(reason=told.reason, note=told.note, offers=tuple(
        Offer(slot_id=a.slot_id, expert_name=a.expert_name, start=a.start)
        for a in told.alternatives))


def kept(facts: AppointmentEvent) -> dict[str, Any]:
    """What a message keeps of its event to be rendered again: the event's data as the
    contract reads it (the messages already planned keep exactly this)."""
    return facts.to_data()


def kept_visit(event_type: str, data: Mapping[str, Any]) -> Visit | None:
    """The visit a message's kept data tells of; None for an event type not told."""
    contract = _BY_TYPE.get(event_type)
    return visit_of(contract.from_data(data)) if contract is not None else None


def kept_hospital(event_type: str, data: Mapping[str, Any]) -> Hospital | None:
    """The hospital's facts a message's kept data was rendered with (None when it has
    none, or its event type is not told): what the sender compares with notify's copy
    before deciding to render again, without reading the whole event back."""
    if event_type not in _BY_TYPE or data.get("hospital") is None:
        return None
    return hospital_of(HospitalFacts.from_data(data["hospital"]))
