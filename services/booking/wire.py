"""Booking's values as the wire carries them: the one place booking's own values (the
domain's) become the contracts other services read (``services.common.contracts``).

The domain never imports a contract; an operation that tells what happened hands its
facts here and puts the event made of them into the outbox.
"""

from __future__ import annotations

from typing import Any, TypeVar

from services.common.contracts import booking as wire
from services.common.hospital import Hospital

from .domain.alternatives import Alternative
from .domain.facts import AppointmentFacts, DepartmentRef, ExpertRef, PatientContact, SlotTime

E = TypeVar("E", bound=wire.AppointmentEvent)


def appointment_event(facts: AppointmentFacts, kind: type[E], patient_link: str,
                      **extra: Any) -> E:
    """The event of kind ``kind`` telling what happened, with every fact it carries."""
    return kind(
        appointment_id=facts.id, code=facts.code, status=facts.status.value,
        queue_number=facts.queue_number, channel=facts.channel, overbooked=facts.overbooked,
        booked_by=facts.booked_by, slot=slot_time(facts.slot), time_zone=facts.zone.key,
        expert=expert_ref(facts.expert), department=department_ref(facts.department),
        patient=patient_contact(facts.patient), hospital=hospital_facts(facts.hospital),
        patient_link=patient_link, **extra)


def cancellation(reason: str, note: str | None, by: str,
                 alternatives: list[Alternative]) -> wire.Cancellation:
    return wire.Cancellation(reason=reason, note=note, by=by,
                             alternatives=[alternative(a) for a in alternatives])


def previous_place(before: AppointmentFacts) -> wire.PreviousPlace:
    """Where a moved appointment was."""
    return wire.PreviousPlace(slot=slot_time(before.slot), expert=expert_ref(before.expert),
                              department=department_ref(before.department),
                              queue_number=before.queue_number)


def alternative(offer: Alternative) -> wire.Alternative:
    return wire.Alternative(slot_id=offer.slot_id, expert_id=offer.expert_id,
                            expert_name=offer.expert_name, start=offer.start,
                            remaining=offer.remaining)


def slot_time(slot: SlotTime) -> wire.SlotTime:
    return wire.SlotTime(slot_id=slot.slot_id, start=slot.start, end=slot.end, date=slot.date,
                         session=slot.session)


def expert_ref(expert: ExpertRef) -> wire.ExpertRef:
    return wire.ExpertRef(id=expert.id, name=expert.name, title=expert.title, fee=expert.fee)


def department_ref(department: DepartmentRef | None) -> wire.DepartmentRef | None:
    if department is None:
        return None
    return wire.DepartmentRef(id=department.id, name=department.name,
                              location=department.location)


def patient_contact(patient: PatientContact) -> wire.PatientContact:
    return wire.PatientContact(id=patient.id, name=patient.name, phone=patient.phone,
                               mobile=patient.mobile, email=patient.email,
                               sms_consent=patient.sms_consent,
                               email_consent=patient.email_consent,
                               satisfaction_consent=patient.satisfaction_consent)


def hospital_facts(hospital: Hospital | None) -> wire.HospitalFacts | None:
    if hospital is None:
        return None
    return wire.HospitalFacts(name=hospital.name, address=hospital.address,
                              directions=hospital.directions, phone=hospital.phone,
                              time_zone=hospital.time_zone, language=hospital.language)
