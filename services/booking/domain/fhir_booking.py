"""A hospital system's FHIR writes read into booking's own terms (SPEC §13, docs/fhir.md).

``POST /fhir/Appointment`` becomes the body ``POST /api/v1/appointments`` takes (a slot,
the patient's fields, the complaint), so the one booking path decides everything after;
``PUT``/``PATCH`` become a cancellation and its reason. Nothing else is a change this
interface makes. Whatever cannot be read is :class:`Invalid` with the FHIR element at
fault as its ``field`` (``Appointment.slot``), so the answer's OperationOutcome names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.common.refusals import Invalid

from .fhir import CANCEL_REASON_SYSTEM, CLINIC, HL7_CANCEL_CODE, HL7_CANCEL_REASON
from .statuses import CancelReason

#: The resident identity card number (居民身份证号) of a contained Patient.
ID_CARD_SYSTEM = f"{CLINIC}/sid/resident-id-card"
#: The patient agrees to SMS (email) messages: ``valueBoolean`` on a contained Patient.
SMS_CONSENT_URL = f"{CLINIC}/StructureDefinition/sms-consent"
EMAIL_CONSENT_URL = f"{CLINIC}/StructureDefinition/email-consent"
#: ... and to a satisfaction call-back after the visit (SPEC §15), off unless given.
SATISFACTION_CONSENT_URL = f"{CLINIC}/StructureDefinition/satisfaction-consent"
#: HL7's cancellation reasons by their own code, the rest by its family: ``pat…`` the
#: patient, ``prov…`` the provider (the hospital). Others (maint, oth-…) are refused.
HL7_REASON_OF = {code: reason for reason, code in HL7_CANCEL_CODE.items()}
CONSENTS = {SMS_CONSENT_URL: "sms_consent", EMAIL_CONSENT_URL: "email_consent",
            SATISFACTION_CONSENT_URL: "satisfaction_consent"}
GENDERS = {"male": "male", "female": "female", "other": "unknown", "unknown": "unknown"}
SLOT_REFERENCE = re.compile(r"Slot/([1-9][0-9]{0,9})")
PATIENT_REFERENCE = re.compile(r"Patient/([1-9][0-9]{0,9})")
MAX_ID = 2**31 - 1
CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class FhirBooking:
    """A booking as ``POST /api/v1/appointments`` takes it; ``where`` names, for each of
    the patient's fields (``patient.phone``), the FHIR element it came from."""

    slot_id: int
    patient: dict[str, Any]
    complaint: str = ""
    where: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FhirCancel:
    reason: CancelReason
    note: str | None = None


def appointment_of(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or body.get("resourceType") != "Appointment":
        raise Invalid(message="The body must be an Appointment resource.",
                      field="resourceType")
    return body


def booking_of(body: Any) -> FhirBooking:
    """What a new Appointment asks for: ``status: booked``, one slot, one patient."""
    resource = appointment_of(body)
    if resource.get("status") != "booked":
        raise Invalid(message="A new appointment is created with status booked.",
                      field="Appointment.status")
    complaint = resource.get("comment", "")
    if not isinstance(complaint, str) or len(complaint) > 2000:
        raise Invalid(message="The comment is text of at most 2000 characters.",
                      field="Appointment.comment")
    patient, where = patient_of(resource)
    return FhirBooking(slot_id=slot_of(resource), patient=patient, complaint=complaint,
                       where=where)


def slot_of(resource: dict[str, Any]) -> int:
    slots = resource.get("slot")
    if not isinstance(slots, list) or len(slots) != 1 or not isinstance(slots[0], dict):
        raise Invalid(message="Give exactly one slot, as a reference Slot/<id>.",
                      field="Appointment.slot")
    found = SLOT_REFERENCE.fullmatch(str(slots[0].get("reference", "")))
    if found is None or int(found.group(1)) > MAX_ID:
        raise Invalid(message="The slot is a reference Slot/<id>.",
                      field="Appointment.slot[0].reference")
    return int(found.group(1))


def patient_of(resource: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The patient participant: ``Patient/<id>`` (someone booking knows), or ``#ref`` to a
    contained Patient with a name and a phone. Other participants are not read: the slot
    says who the expert is."""
    participants = resource.get("participant")
    if not isinstance(participants, list):
        raise Invalid(message="The patient is a participant: Patient/<id> or #ref to a "
                      "contained Patient.", field="Appointment.participant")
    contained = {c["id"]: (n, c) for n, c in enumerate(_list(resource, "contained"))
                 if isinstance(c, dict) and isinstance(c.get("id"), str)}
    found: list[tuple[dict[str, Any], dict[str, str]]] = []
    for n, participant in enumerate(participants):
        actor = participant.get("actor") if isinstance(participant, dict) else None
        ref = str(actor.get("reference", "")) if isinstance(actor, dict) else ""
        at = f"Appointment.participant[{n}].actor.reference"
        if ref.startswith("#"):
            if ref[1:] not in contained:
                raise Invalid(message=f"No contained resource has the id {ref[1:]!r}.",
                              field=at)
            index, patient = contained[ref[1:]]
            if patient.get("resourceType") == "Patient":
                found.append(contained_patient(patient, f"Appointment.contained[{index}]"))
        elif ref.startswith("Patient/"):
            known = PATIENT_REFERENCE.fullmatch(ref)
            if known is None or int(known.group(1)) > MAX_ID:
                raise Invalid(message="A patient reference is Patient/<id>.", field=at)
            found.append(({"id": int(known.group(1))}, {"patient.id": at}))
    if len(found) != 1:
        raise Invalid(message="Give exactly one patient participant: Patient/<id> or #ref "
                      "to a contained Patient.", field="Appointment.participant")
    return found[0]


def contained_patient(patient: dict[str, Any], at: str) -> tuple[dict[str, Any],
                                                                  dict[str, str]]:
    """A contained Patient as booking's patient fields (name, phone, email, date of birth,
    sex, identity card number, consents), and where each came from."""
    fields: dict[str, Any] = {"name": name_of(patient, at)}
    telecom = _list(patient, "telecom", at)
    fields["phone"] = _contact(telecom, ("phone", "sms"))
    if fields["phone"] is None:
        raise Invalid(message="The patient needs a phone number (telecom, system phone).",
                      field=f"{at}.telecom")
    email = _contact(telecom, ("email",))
    if email is not None:
        fields["email"] = email
    if "birthDate" in patient:
        fields["birth_date"] = patient["birthDate"]
    if "gender" in patient:
        if not isinstance(patient["gender"], str) or patient["gender"] not in GENDERS:
            raise Invalid(message="gender is male, female, other or unknown.",
                          field=f"{at}.gender")
        fields["sex"] = GENDERS[patient["gender"]]
    for ident in _list(patient, "identifier", at):
        if isinstance(ident, dict) and ident.get("system") == ID_CARD_SYSTEM:
            fields["id_number"] = ident.get("value")
    for ext in _list(patient, "extension", at):
        flag = CONSENTS.get(str(ext.get("url"))) if isinstance(ext, dict) else None
        if flag is not None:
            fields[flag] = ext.get("valueBoolean")
    where = {"patient.name": f"{at}.name", "patient.phone": f"{at}.telecom",
             "patient.email": f"{at}.telecom", "patient.birth_date": f"{at}.birthDate",
             "patient.sex": f"{at}.gender", "patient.id_number": f"{at}.identifier",
             "patient.sms_consent": f"{at}.extension", "patient.email_consent": f"{at}.extension",
             "patient.satisfaction_consent": f"{at}.extension"}
    return fields, where


def name_of(patient: dict[str, Any], at: str) -> str:
    """The first name given: its ``text``, else its parts (family first for a Chinese
    name, 张三; given first otherwise)."""
    for name in _list(patient, "name", at):
        if not isinstance(name, dict):
            continue
        if isinstance(name.get("text"), str) and name["text"].strip():
            return name["text"]
        family = str(name["family"]) if isinstance(name.get("family"), str) else ""
        given = [g for g in name.get("given") or [] if isinstance(g, str)] \
            if isinstance(name.get("given"), list) else []
        if CJK.search(family + "".join(given)):
            return family + "".join(given)
        if family or given:
            return " ".join([*given, family]).strip()
    raise Invalid(message="The patient needs a name (name.text, or family and given).",
                  field=f"{at}.name")


def _contact(telecom: list[Any], systems: tuple[str, ...]) -> Any:
    for point in telecom:
        if isinstance(point, dict) and point.get("system") in systems and point.get("value"):
            return point["value"]
    return None


def _list(resource: dict[str, Any], key: str, at: str = "Appointment") -> list[Any]:
    value = resource.get(key, [])
    if not isinstance(value, list):
        raise Invalid(message=f"{key} is a list.", field=f"{at}.{key}")
    return value


# --- cancelling ---------------------------------------------------------------------------

ONLY_CANCEL = ("Only cancelling is supported: status cancelled, with an optional "
               "cancelationReason.")


def cancel_of_put(body: Any, appointment_id: int) -> FhirCancel:
    """A PUT of the whole resource is a cancellation when its status is cancelled."""
    resource = appointment_of(body)
    if str(resource.get("id", appointment_id)) != str(appointment_id):
        raise Invalid(message="The resource's id differs from the URL's.",
                      field="Appointment.id")
    if resource.get("status") != "cancelled":
        raise Invalid(message=ONLY_CANCEL, field="Appointment.status")
    return reason_of(resource.get("cancelationReason"))


def cancel_of_patch(operations: Any) -> FhirCancel:
    """A JSON Patch (RFC 6902) that sets ``/status`` to cancelled, and maybe adds or
    replaces ``/cancelationReason``; a ``test`` operation is allowed, nothing else."""
    if not isinstance(operations, list) or not operations:
        raise Invalid(message="The body is a JSON Patch: a list of operations.", field="body")
    status, reason = None, None
    for n, op in enumerate(operations):
        if not isinstance(op, dict) or op.get("op") not in ("add", "replace", "test"):
            raise Invalid(message=ONLY_CANCEL, field=f"body[{n}].op")
        if op["op"] == "test":
            continue
        if op.get("path") == "/status":
            status = op.get("value")
        elif op.get("path") == "/cancelationReason":
            reason = op.get("value")
        else:
            raise Invalid(message=ONLY_CANCEL, field=f"body[{n}].path")
    if status != "cancelled":
        raise Invalid(message=ONLY_CANCEL, field="Appointment.status")
    return reason_of(reason)


def reason_of(concept: Any) -> FhirCancel:
    """A cancelationReason as booking's reason: its first coding booking knows (HL7's
    ``pat``, ``prov`` …, or booking's own), its text as the note; none given is the
    patient's own cancellation, as in the API."""
    if concept is None:
        return FhirCancel(CancelReason.PATIENT)
    at = "Appointment.cancelationReason"
    if not isinstance(concept, dict):
        raise Invalid(message="cancelationReason is a CodeableConcept.", field=at)
    text = concept.get("text")
    if text is not None and (not isinstance(text, str) or len(text) > 400):
        raise Invalid(message="cancelationReason.text is at most 400 characters.", field=at)
    codings = concept.get("coding") or []
    if not isinstance(codings, list):
        raise Invalid(message="cancelationReason.coding is a list.", field=at)
    for coding in codings:
        reason = coded_reason(coding) if isinstance(coding, dict) else None
        if reason is not None:
            return FhirCancel(reason, text or None)
    if codings:
        raise Invalid(message=f"Use a cancellation reason of {HL7_CANCEL_REASON}: pat… "
                      "(the patient) or prov… (the hospital).", field=f"{at}.coding")
    return FhirCancel(CancelReason.PATIENT, text or None)


def coded_reason(coding: dict[str, Any]) -> CancelReason | None:
    code = coding.get("code")
    if not isinstance(code, str):
        return None
    if coding.get("system") == CANCEL_REASON_SYSTEM:
        return CancelReason(code) if code in set(CancelReason) else None
    if coding.get("system") != HL7_CANCEL_REASON:
        return None
    if code in HL7_REASON_OF:
        return HL7_REASON_OF[code]
    if code.startswith("pat"):
        return CancelReason.PATIENT
    return CancelReason.HOSPITAL if code.startswith("prov") else None


def refuse_other_changes(sent: dict[str, Any], stored: dict[str, Any]) -> None:
    """A PUT may change the status and the reason only: its slot and times, where given,
    are the stored ones, and it names no participant the appointment does not have (one
    left out is not removed)."""
    if "slot" in sent and _references(sent["slot"]) != _references(stored["slot"]):
        raise Invalid(message=ONLY_CANCEL, field="Appointment.slot")
    if "participant" in sent and not _references(sent["participant"]) <= _references(
            stored["participant"]):
        raise Invalid(message=ONLY_CANCEL, field="Appointment.participant")
    for key in ("start", "end"):
        if key in sent and _moment(sent[key]) != _moment(stored[key]):
            raise Invalid(message=ONLY_CANCEL, field=f"Appointment.{key}")


def _references(items: Any) -> set[str]:
    """The references a list of slots or participants names (``Slot/1``, ``Patient/3``)."""
    found: set[str] = set()
    for item in items if isinstance(items, list) else [items]:
        ref = item.get("actor", item) if isinstance(item, dict) else None
        found.add(str(ref.get("reference")) if isinstance(ref, dict) else repr(item))
    return found


def _moment(value: Any) -> datetime | str:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return repr(value)
