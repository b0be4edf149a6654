"""Booking's facts as HL7 FHIR R4 (4.0.1) resources (SPEC §13), in one place.

Plain dicts in, plain dicts out: the API serves them as ``application/fhir+json`` and
the tests parse them with the ``fhir.resources`` models. The mapping, field by field,
is documented in docs/fhir.md; the system URIs below are the identifiers' namespaces a
hospital's system matches on, so they never change once published.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.common.phones import mask_in_text

from .facts import AppointmentFacts
from .rules import Invalid
from .statuses import AppointmentStatus, CancelReason

FHIR_VERSION = "4.0.1"

#: Every system URI of clinic's own identifiers and codes lives under this base.
CLINIC = "https://clinic.example.org/fhir"
APPOINTMENT_CODE_SYSTEM = f"{CLINIC}/sid/appointment-code"
EXPERT_CODE_SYSTEM = f"{CLINIC}/sid/expert-code"
DEPARTMENT_CODE_SYSTEM = f"{CLINIC}/sid/department-code"
PATIENT_ID_SYSTEM = f"{CLINIC}/sid/patient-id"
#: A department as a service type: the code is its HealthcareService's id.
SERVICE_TYPE_SYSTEM = f"{CLINIC}/CodeSystem/department"
CHANNEL_SYSTEM = f"{CLINIC}/CodeSystem/booking-channel"
CANCEL_REASON_SYSTEM = f"{CLINIC}/CodeSystem/cancel-reason"
REMAINING_PLACES_URL = f"{CLINIC}/StructureDefinition/remaining-places"
#: A refusal's code (``slot_full``) in an OperationOutcome's ``issue.details``.
REFUSAL_SYSTEM = f"{CLINIC}/CodeSystem/refusal"
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
        resource["serviceType"] = [department_concept(facts.department.id,
                                                      facts.department.name)]
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
    found: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": total,
                             "link": links}
    if resources:  # FHIR's JSON has no empty arrays
        found["entry"] = [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r,
                           "search": {"mode": "match"}} for r in resources]
    return found


# --- the directory: experts, departments, schedules ---------------------------------------

@dataclass(frozen=True)
class ExpertEntry:
    """An expert as booking's copy of the directory holds them."""

    id: int
    code: str
    name: str
    title: str
    specialty: str
    department_id: int
    department_name: str
    active: bool


@dataclass(frozen=True)
class DepartmentEntry:
    id: int
    code: str
    name: str
    location: str
    active: bool


def department_concept(department_id: int, name: str) -> dict[str, Any]:
    """The department as a service type: a Slot, Schedule or Appointment says which
    HealthcareService it belongs to (the coding's code is the HealthcareService's id)."""
    concept: dict[str, Any] = {"coding": [{"system": SERVICE_TYPE_SYSTEM,
                                           "code": str(department_id)}]}
    if name:
        concept["coding"][0]["display"] = name
        concept["text"] = name
    return concept


def practitioner_resource(expert: ExpertEntry) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Practitioner", "id": str(expert.id),
        "identifier": [identifier(EXPERT_CODE_SYSTEM, expert.code)],
        "active": expert.active, "name": [{"text": expert.name}]}
    if expert.title:
        resource["qualification"] = [{"code": {"text": expert.title}}]
    return resource


def practitioner_role_resource(expert: ExpertEntry) -> dict[str, Any]:
    """The expert in their department: one role per expert, with the expert's id."""
    resource: dict[str, Any] = {
        "resourceType": "PractitionerRole", "id": str(expert.id), "active": expert.active,
        "practitioner": reference("Practitioner", expert.id, expert.name),
        "healthcareService": [reference("HealthcareService", expert.department_id,
                                        expert.department_name)]}
    if expert.title:
        resource["code"] = [{"text": expert.title}]
    if expert.specialty:
        resource["specialty"] = [{"text": expert.specialty}]
    return resource


def schedule_resource(expert: ExpertEntry) -> dict[str, Any]:
    """An active expert's bookable time: the Schedule of their Slots (same id)."""
    resource: dict[str, Any] = {
        "resourceType": "Schedule", "id": str(expert.id), "active": expert.active,
        "serviceType": [department_concept(expert.department_id, expert.department_name)],
        "actor": [reference("Practitioner", expert.id, expert.name)]}
    if expert.specialty:
        resource["specialty"] = [{"text": expert.specialty}]
    return resource


def healthcare_service_resource(department: DepartmentEntry) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "HealthcareService", "id": str(department.id),
        "identifier": [identifier(DEPARTMENT_CODE_SYSTEM, department.code)],
        "active": department.active, "name": department.name,
        "type": [department_concept(department.id, department.name)]}
    if department.location:
        resource["comment"] = department.location
    return resource


# --- slots -----------------------------------------------------------------------------

@dataclass(frozen=True)
class SlotEntry:
    """A slot as the console counts it: ``remaining`` is net of held places."""

    id: int
    expert_id: int
    department_id: int
    department_name: str
    start: datetime
    end: datetime
    stopped: bool
    remaining: int
    overbooked: bool
    stop_reason: str | None


def slot_status(stopped: bool, remaining: int) -> str:
    """A stopped (停诊) slot is ``busy-unavailable``; one with places left is ``free``; a
    full one is ``busy``."""
    if stopped:
        return "busy-unavailable"
    return "free" if remaining > 0 else "busy"


def slot_resource(slot: SlotEntry, zone: ZoneInfo) -> dict[str, Any]:
    remaining = 0 if slot.stopped else slot.remaining
    resource: dict[str, Any] = {
        "resourceType": "Slot", "id": str(slot.id),
        "extension": [{"url": REMAINING_PLACES_URL, "valueUnsignedInt": remaining}],
        "serviceType": [department_concept(slot.department_id, slot.department_name)],
        "schedule": reference("Schedule", slot.expert_id),
        "status": slot_status(slot.stopped, slot.remaining),
        "start": instant(slot.start.astimezone(zone)),
        "end": instant(slot.end.astimezone(zone))}
    if slot.overbooked:
        resource["overbooked"] = True
    if slot.stopped and slot.stop_reason:
        resource["comment"] = slot.stop_reason
    return resource


# --- patients ---------------------------------------------------------------------------

def patient_resource(record: Mapping[str, Any]) -> dict[str, Any]:
    """A patient from the record staff see (``api/views.patient_view``): its phone and
    email are already full or masked as the reader's role allows (SPEC §8). The identity
    card number is never served."""
    resource: dict[str, Any] = {
        "resourceType": "Patient", "id": str(record["id"]),
        "identifier": [identifier(PATIENT_ID_SYSTEM, str(record["id"]))],
        "name": [{"text": record["name"]}]}
    telecom = []
    if record.get("phone"):
        telecom.append({"system": "phone", "value": record["phone"],
                        "use": "mobile" if record.get("mobile") else "home"})
    if record.get("email"):
        telecom.append({"system": "email", "value": record["email"]})
    if telecom:
        resource["telecom"] = telecom
    if record.get("sex"):
        resource["gender"] = str(record["sex"])
    if record.get("birth_date"):
        resource["birthDate"] = record["birth_date"].isoformat()
    return resource


# --- search parameters --------------------------------------------------------------------

DEFAULT_COUNT = 50
MAX_COUNT = 500
MAX_OFFSET = 2**31 - 1
MAX_ID = 2**31 - 1
#: Parameters every search takes: the page, and the format FHIR clients may name.
PAGING = ("_count", "_offset", "_format")
JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json"})


@dataclass(frozen=True)
class Page:
    count: int
    offset: int


@dataclass(frozen=True)
class Token:
    """``system|code``, ``|code`` (no system) or ``code`` (any system)."""

    system: str | None
    code: str

    def matches_system(self, system: str) -> bool:
        return self.system is None or self.system == system


@dataclass(frozen=True)
class Range:
    """Instants from ``lower`` (included) to ``upper`` (excluded); None is open."""

    lower: datetime | None = None
    upper: datetime | None = None

    def holds(self, moment: datetime) -> bool:
        return (self.lower is None or moment >= self.lower) and (
            self.upper is None or moment < self.upper)


def whole_number(text: str, most: int) -> int | None:
    """``text`` as a number from 0 to ``most``, or None (checked by its digits first: a
    number of thousands of digits is refused before Python would refuse to read it)."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(most)):
        return None
    value = int(text)
    return value if value <= most else None


class SearchArgs:
    """A search's query string, checked: only the parameters the resource takes, each at
    most as often as it may come, every value read or refused with the parameter named."""

    def __init__(self, pairs: Sequence[tuple[str, str]], allowed: Mapping[str, int]) -> None:
        self.values: dict[str, list[str]] = {}
        for name, value in pairs:
            limit = allowed.get(name, 1 if name in PAGING else 0)
            if not limit:
                known = ", ".join(sorted({*allowed, *PAGING}))
                raise Invalid("unknown_parameter", f"Unknown search parameter '{name[:40]}'; "
                              f"this search takes: {known}.", field=name[:40])
            self.values.setdefault(name, []).append(value)
            if len(self.values[name]) > limit:
                raise Invalid("bad_parameter", f"'{name}' may be given at most "
                              f"{limit} time(s).", field=name)
        fmt = self.one("_format")
        if fmt is not None and fmt not in JSON_FORMATS:
            raise Invalid("bad_parameter", "Only JSON is served.", field="_format")

    def one(self, name: str) -> str | None:
        found = self.values.get(name)
        return found[0] if found else None

    def all(self, name: str) -> list[str]:
        return self.values.get(name, [])

    def page(self) -> Page:
        count = self.number("_count", DEFAULT_COUNT, MAX_ID)
        return Page(count=min(count, MAX_COUNT), offset=self.number("_offset", 0, MAX_OFFSET))

    def number(self, name: str, default: int, most: int) -> int:
        raw = self.one(name)
        if raw is None:
            return default
        value = whole_number(raw, most)
        if value is None:
            raise Invalid("bad_parameter", f"'{name}' takes a whole number from 0 to {most}.",
                          field=name)
        return value

    def token(self, name: str) -> Token | None:
        raw = self.one(name)
        if raw is None:
            return None
        system, bar, code = raw.rpartition("|")
        if not code or "," in raw:
            raise Invalid("bad_parameter", f"'{name}' takes one code, or system|code.", field=name)
        return Token(system if bar else None, code)

    def reference(self, name: str, kind: str) -> int | None:
        """``Kind/id``, an absolute URL ending in it, or the bare id."""
        raw = self.one(name)
        if raw is None:
            return None
        last = raw.rstrip("/").split("/")
        id_ = whole_number(last[-1], MAX_ID)
        if (len(last) > 1 and last[-2] != kind) or not id_:
            raise Invalid("bad_parameter", f"'{name}' takes a reference to one {kind}: "
                          f"{kind}/<id>.", field=name)
        return id_

    def boolean(self, name: str) -> bool | None:
        raw = self.one(name)
        if raw is None:
            return None
        if raw not in ("true", "false"):
            raise Invalid("bad_parameter", f"'{name}' takes true or false.", field=name)
        return raw == "true"

    def codes(self, name: str, allowed: Sequence[str]) -> list[str] | None:
        """A comma-separated list of codes, any of which matches."""
        raw = self.one(name)
        if raw is None:
            return None
        codes = raw.split(",")
        if not all(code in allowed for code in codes):
            raise Invalid("bad_parameter", f"'{name}' takes {', '.join(allowed)} "
                          "(several separated by commas).", field=name)
        return codes

    def text(self, name: str, longest: int = 200) -> str | None:
        raw = self.one(name)
        if raw is not None and not 0 < len(raw.strip()) <= longest:
            raise Invalid("bad_parameter", f"'{name}' takes some text of at most {longest} "
                          "characters.", field=name)
        return raw.strip() if raw is not None else None

    def dates(self, name: str, zone: ZoneInfo) -> Range:
        """Every ``name=[prefix]value`` given, together (``ge`` … ``lt`` …): a date is its
        whole day in the hospital's zone; a time needs its offset."""
        found = Range()
        for raw in self.all(name):
            found = narrowed(found, raw, zone, name)
        return found


PREFIXES = ("eq", "ge", "gt", "le", "lt")
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999


def narrowed(found: Range, raw: str, zone: ZoneInfo, name: str) -> Range:
    prefix, text = (raw[:2], raw[2:]) if raw[:2] in PREFIXES else ("eq", raw)
    low, high = moment_bounds(text, zone, name)
    lower, upper = found.lower, found.upper
    if prefix in ("eq", "ge", "gt"):
        start = low if prefix != "gt" else high
        lower = start if lower is None else max(lower, start)
    if prefix in ("eq", "lt", "le"):
        end = high if prefix != "lt" else low
        upper = end if upper is None else min(upper, end)
    return Range(lower, upper)


def moment_bounds(text: str, zone: ZoneInfo, name: str) -> tuple[datetime, datetime]:
    """The instants a FHIR date or dateTime covers: a day in the hospital's zone, or one
    second of a time given with its offset."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time(0), tzinfo=zone)
            bounds = moment, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            bounds = moment, moment + timedelta(seconds=1)
        # a scheduler's years: beyond them a time cannot even be turned into UTC
        if moment.tzinfo is not None and len(text) >= 10 and text.isascii() \
                and EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
            return bounds
    except (ValueError, OverflowError):
        pass
    raise Invalid("bad_parameter", f"'{name}' takes a date (2026-03-01) or a time with its "
                  "offset (2026-03-01T08:00:00+08:00), after an optional prefix "
                  f"({', '.join(PREFIXES)}).", field=name)
