"""Booking's facts as HL7 FHIR R4 (4.0.1) resources (SPEC §13), in one place.

Plain dicts in, plain dicts out: the API serves them as ``application/fhir+json`` and
the tests parse them with the ``fhir.resources`` models. The mapping, field by field,
is documented in docs/fhir.md; the system URIs below are the identifiers' namespaces a
hospital's system matches on, so they never change once published.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from services.common.phones import mask_in_text

from .facts import AppointmentFacts
from .statuses import AppointmentStatus, CancelReason

FHIR_VERSION = "4.0.1"

#: Every system URI of clinic's own identifiers and codes lives under this base.
CLINIC = "https://clinic.example.org/fhir"
APPOINTMENT_CODE_SYSTEM = f"{CLINIC}/sid/appointment-code"
EXPERT_CODE_SYSTEM = f"{CLINIC}/sid/expert-code"
DEPARTMENT_CODE_SYSTEM = f"{CLINIC}/sid/department-code"
PATIENT_ID_SYSTEM = f"{CLINIC}/sid/patient-id"
CHANNEL_SYSTEM = f"{CLINIC}/CodeSystem/booking-channel"
CANCEL_REASON_SYSTEM = f"{CLINIC}/CodeSystem/cancel-reason"
REMAINING_PLACES_URL = f"{CLINIC}/StructureDefinition/remaining-places"
HL7_CANCEL_REASON = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"

#: Booking's appointment statuses as FHIR's (``arrived`` is checked in).
APPOINTMENT_STATUS = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.CHECKED_IN: "arrived",
    AppointmentStatus.COMPLETED: "fulfilled",
    AppointmentStatus.NO_SHOW: "noshow",
    AppointmentStatus.CANCELLED: "cancelled",
}
#: FHIR's appointment statuses back to booking's, for searches.
STATUS_OF_FHIR = {fhir: ours for ours, fhir in APPOINTMENT_STATUS.items()}

#: Who cancelled, in HL7's cancellation-reason codes (the patient; the provider; the
#: provider for a personal reason, as an expert's absence is).
HL7_CANCEL_CODE = {
    CancelReason.PATIENT: "pat",
    CancelReason.HOSPITAL: "prov",
    CancelReason.EXPERT_UNAVAILABLE: "prov-pers",
}


def instant(moment: datetime) -> str:
    """A FHIR ``instant``/``dateTime``: seconds and an offset, never a naive time."""
    if moment.tzinfo is None:
        raise ValueError("a FHIR time needs an offset")
    return moment.isoformat(timespec="seconds")


def reference(kind: str, id_: int | str, display: str | None = None) -> dict[str, Any]:
    ref: dict[str, Any] = {"reference": f"{kind}/{id_}"}
    if display:
        ref["display"] = display
    return ref


def identifier(system: str, value: str) -> dict[str, Any]:
    return {"system": system, "value": value}


def operation_outcome(severity: str, code: str, diagnostics: str,
                      expression: str | None = None) -> dict[str, Any]:
    """One issue as an ``OperationOutcome``: ``code`` is FHIR's issue type (not-found,
    forbidden, conflict, invalid, processing, throttled, …), ``expression`` the element
    or search parameter at fault."""
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def appointment_resource(facts: AppointmentFacts, *, contact: bool) -> dict[str, Any]:
    """An appointment as FHIR's ``Appointment``. ``contact`` is for the roles that see a
    patient's full contact (SPEC §8): only they get the complaint and the cancel note,
    free text that may hold a phone number."""
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(facts.id),
        "meta": {"tag": [{"system": CHANNEL_SYSTEM, "code": facts.channel}]},
        "identifier": [identifier(APPOINTMENT_CODE_SYSTEM, facts.code)],
        "status": APPOINTMENT_STATUS[facts.status],
    }
    if facts.status is AppointmentStatus.CANCELLED and facts.cancel_reason:
        resource["cancelationReason"] = cancelation_reason(facts, contact=contact)
    if facts.department is not None:
        resource["serviceType"] = [{
            "coding": [{"system": DEPARTMENT_CODE_SYSTEM, "code": str(facts.department.id),
                        "display": facts.department.name}],
            "text": facts.department.name}]
    if contact and facts.complaint:
        resource["comment"] = facts.complaint
    resource.update({
        "start": instant(facts.local_start),
        "end": instant(facts.local_end),
        "created": instant(facts.created_at.astimezone(facts.zone)),
        "slot": [reference("Slot", facts.slot.slot_id)],
        "participant": participants(facts),
    })
    return resource


def cancelation_reason(facts: AppointmentFacts, *, contact: bool) -> dict[str, Any]:
    reason = facts.cancel_reason or ""
    coding = [{"system": CANCEL_REASON_SYSTEM, "code": reason}]
    hl7 = HL7_CANCEL_CODE.get(CancelReason(reason)) if reason in set(CancelReason) else None
    if hl7:
        coding.insert(0, {"system": HL7_CANCEL_REASON, "code": hl7})
    concept: dict[str, Any] = {"coding": coding}
    if facts.cancel_note:
        concept["text"] = facts.cancel_note if contact else mask_in_text(facts.cancel_note)
    return concept


def participants(facts: AppointmentFacts) -> list[dict[str, Any]]:
    """The patient, the expert and, when known, the department (as a HealthcareService
    participant, so a search by service finds it)."""
    found = [
        {"actor": reference("Patient", facts.patient.id, facts.patient.name),
         "required": "required", "status": "accepted"},
        {"actor": reference("Practitioner", facts.expert.id, facts.expert.name),
         "required": "required", "status": "accepted"},
    ]
    if facts.department is not None:
        found.append({"actor": reference("HealthcareService", facts.department.id,
                                         facts.department.name),
                      "required": "information-only", "status": "accepted"})
    return found


def bundle(resources: Sequence[dict[str, Any]], *, total: int, base: str, self_url: str,
           next_url: str | None = None) -> dict[str, Any]:
    """A ``searchset`` Bundle of one page: ``total`` counts every match, the page holds
    ``resources``; ``base`` (ending in ``/fhir``) makes each entry's ``fullUrl``."""
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r,
                   "search": {"mode": "match"}} for r in resources],
    }
