"""Read and search of the scheduling resources under ``/fhir`` (SPEC §13, docs/fhir.md).

Each search checks its whole query string first (an unknown or malformed parameter is
an ``OperationOutcome``, never a guess), reads in one read-only unit of work — or, when a
patient's full contact or complaint is served, in one that also writes the access log —
and answers a ``searchset`` Bundle of one page with ``self`` and ``next`` links.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal
from urllib.parse import urlencode

from flask import Response, request

from services.common.auth import current_principal, roles_required
from services.common.web import reading, work

from ...domain.fhir import (
    APPOINTMENT_CODE_SYSTEM,
    DEPARTMENT_CODE_SYSTEM,
    EXPERT_CODE_SYSTEM,
    MAX_ID,
    PATIENT_ID_SYSTEM,
    SERVICE_TYPE_SYSTEM,
    STATUS_OF_FHIR,
    Page,
    SearchArgs,
    Token,
    appointment_resource,
    bundle,
    healthcare_service_resource,
    patient_resource,
    practitioner_resource,
    practitioner_role_resource,
    schedule_resource,
    slot_resource,
    whole_number,
)
from ...domain.privacy import Access
from ...domain.rules import Invalid, NotFound
from ...ops.access import record_access
from ...reads import fhir as found
from ...reads.appointments import load_facts
from ...reads.patients import get_patient, record_of
from ..views import patient_view
from . import FHIR_CONTACT, FHIR_READERS, base_url, blp, fhir_response, serves

SLOT_STATUSES = ("free", "busy", "busy-unavailable")


def search_args(allowed: dict[str, int]) -> SearchArgs:
    """The query string, checked against the parameters the search takes (with how
    often each may come): ``_count``, ``_offset`` and ``_format`` come with every one."""
    return SearchArgs(list(request.args.items(multi=True)), allowed)


def page_url(kind: str, args: SearchArgs, offset: int, count: int) -> str:
    kept = [(name, value) for name, values in args.values.items()
            if name not in ("_count", "_offset") for value in values]
    return f"{base_url()}/{kind}?" + urlencode([*kept, ("_count", count),
                                                 ("_offset", offset)])


def searchset(kind: str, args: SearchArgs, total: int,
              resources: Sequence[dict[str, Any]]) -> Response:
    """One page of a search as a Bundle: ``next`` while matches are left after it."""
    page = args.page()
    after = page.offset + page.count
    next_url = page_url(kind, args, after, page.count) if page.count and after < total else None
    return fhir_response(bundle(resources, total=total, base=base_url(),
                                self_url=page_url(kind, args, page.offset, page.count),
                                next_url=next_url))


def code_of(token: Token | None, system: str) -> str | Literal[False] | None:
    """A token's code when it names ``system`` (or none); False when it names another
    system, which no resource here carries (the search then finds nothing)."""
    if token is None:
        return None
    return token.code if token.matches_system(system) else False


def id_of(token: Token | None, system: str) -> int | Literal[False] | None:
    """A token whose code is an id (a department as service type, a patient's
    identifier); False when it cannot match anything."""
    code = code_of(token, system)
    if code is None or code is False:
        return code
    return whole_number(code, MAX_ID) or False


def read_only_args() -> None:
    """A read takes no parameters but ``_format``."""
    search_args({})


def sees_contact() -> bool:
    return current_principal().has_any(FHIR_CONTACT)


def reader(view: Callable[..., Response]) -> Callable[..., Response]:
    return roles_required(*FHIR_READERS)(view)


# --- Practitioner, PractitionerRole, Schedule: the experts ---------------------------------

serves("Practitioner", ["read", "search-type"], [
    ("identifier", "token", f"The expert's code ({EXPERT_CODE_SYSTEM}|code)"),
    ("name", "string", "A part of the expert's name"),
    ("active", "token", "true or false")])


@blp.get("/Practitioner/<int:expert_id>")
@reader
def read_practitioner(expert_id: int) -> Response:
    read_only_args()
    with reading() as w:
        return fhir_response(practitioner_resource(found.expert(w.session, expert_id)))


@blp.get("/Practitioner")
@reader
def search_practitioners() -> Response:
    args = search_args({"identifier": 1, "name": 1, "active": 1})
    code, name, active = code_of(args.token("identifier"), EXPERT_CODE_SYSTEM), \
        args.text("name"), args.boolean("active")
    if code is False:
        return searchset("Practitioner", args, 0, [])
    with reading() as w:
        total, experts = found.experts(w.session, args.page(), code=code, name=name,
                                       active=active)
    return searchset("Practitioner", args, total, [practitioner_resource(e) for e in experts])


serves("PractitionerRole", ["read", "search-type"], [
    ("practitioner", "reference", "Practitioner/<id>"),
    ("service", "reference", "HealthcareService/<id>: the department"),
    ("active", "token", "true or false")])


@blp.get("/PractitionerRole/<int:expert_id>")
@reader
def read_practitioner_role(expert_id: int) -> Response:
    read_only_args()
    with reading() as w:
        return fhir_response(practitioner_role_resource(found.expert(w.session, expert_id)))


@blp.get("/PractitionerRole")
@reader
def search_practitioner_roles() -> Response:
    args = search_args({"practitioner": 1, "service": 1, "active": 1})
    expert_id = args.reference("practitioner", "Practitioner")
    department_id = args.reference("service", "HealthcareService")
    active = args.boolean("active")
    with reading() as w:
        total, experts = found.experts(w.session, args.page(), expert_id=expert_id,
                                       department_id=department_id, active=active)
    return searchset("PractitionerRole", args, total,
                     [practitioner_role_resource(e) for e in experts])


serves("Schedule", ["read", "search-type"], [
    ("actor", "reference", "Practitioner/<id>"),
    ("service-type", "token", f"The department ({SERVICE_TYPE_SYSTEM}|<HealthcareService "
                              "id>)")])


@blp.get("/Schedule/<int:expert_id>")
@reader
def read_schedule(expert_id: int) -> Response:
    read_only_args()
    with reading() as w:
        return fhir_response(schedule_resource(
            found.expert(w.session, expert_id, active_only=True)))


@blp.get("/Schedule")
@reader
def search_schedules() -> Response:
    """One Schedule per active expert."""
    args = search_args({"actor": 1, "service-type": 1})
    expert_id = args.reference("actor", "Practitioner")
    department_id = id_of(args.token("service-type"), SERVICE_TYPE_SYSTEM)
    if department_id is False:
        return searchset("Schedule", args, 0, [])
    with reading() as w:
        total, experts = found.experts(w.session, args.page(), expert_id=expert_id,
                                       department_id=department_id, active=True)
    return searchset("Schedule", args, total, [schedule_resource(e) for e in experts])


# --- HealthcareService: the departments ----------------------------------------------------

serves("HealthcareService", ["read", "search-type"], [
    ("identifier", "token", f"The department's code ({DEPARTMENT_CODE_SYSTEM}|code)"),
    ("name", "string", "A part of the department's name"),
    ("active", "token", "true or false")])


@blp.get("/HealthcareService/<int:department_id>")
@reader
def read_healthcare_service(department_id: int) -> Response:
    read_only_args()
    with reading() as w:
        _, departments = found.departments(w.session, Page(1, 0), department_id=department_id)
    if not departments:
        raise NotFound("healthcare service")
    return fhir_response(healthcare_service_resource(departments[0]))


@blp.get("/HealthcareService")
@reader
def search_healthcare_services() -> Response:
    args = search_args({"identifier": 1, "name": 1, "active": 1})
    code, name, active = code_of(args.token("identifier"), DEPARTMENT_CODE_SYSTEM), \
        args.text("name"), args.boolean("active")
    if code is False:
        return searchset("HealthcareService", args, 0, [])
    with reading() as w:
        total, departments = found.departments(w.session, args.page(), code=code or None,
                                               name=name, active=active)
    return searchset("HealthcareService", args, total,
                     [healthcare_service_resource(d) for d in departments])


# --- Slot ---------------------------------------------------------------------------------

serves("Slot", ["read", "search-type"], [
    ("schedule", "reference", "Schedule/<id>: one expert's slots"),
    ("service-type", "token", f"The department ({SERVICE_TYPE_SYSTEM}|<HealthcareService "
                              "id>)"),
    ("start", "date", "ge…/gt…/lt…/le…/eq… (twice for a range); by default from today for "
                      "7 days, at most 31 days"),
    ("status", "token", "free, busy, busy-unavailable (comma-separated for any of them)")])


@blp.get("/Slot/<int:slot_id>")
@reader
def read_slot(slot_id: int) -> Response:
    read_only_args()
    with reading() as w:
        return fhir_response(slot_resource(found.slot(w.session, w.desk, slot_id), w.desk.zone))


@blp.get("/Slot")
@reader
def search_slots() -> Response:
    args = search_args({"schedule": 1, "service-type": 1, "start": 2, "status": 1})
    expert_id = args.reference("schedule", "Schedule")
    department_id = id_of(args.token("service-type"), SERVICE_TYPE_SYSTEM)
    statuses = args.codes("status", SLOT_STATUSES)
    if department_id is False:
        return searchset("Slot", args, 0, [])
    with reading() as w:
        within = args.dates("start", w.desk.zone)
        total, slots = found.slots(w.session, w.desk, args.page(), within=within,
                                   expert_id=expert_id, department_id=department_id,
                                   statuses=statuses)
        zone = w.desk.zone
    return searchset("Slot", args, total, [slot_resource(s, zone) for s in slots])


# --- Appointment --------------------------------------------------------------------------

serves("Appointment", ["read", "search-type"], [
    ("identifier", "token", f"The appointment's code ({APPOINTMENT_CODE_SYSTEM}|code)"),
    ("date", "date", "The visit's start: ge…/gt…/lt…/le…/eq… (twice for a range)"),
    ("practitioner", "reference", "Practitioner/<id>"),
    ("patient", "reference", "Patient/<id>"),
    ("status", "token", "booked, arrived, fulfilled, noshow, cancelled (comma-separated)")])


@blp.get("/Appointment/<int:appointment_id>")
@reader
def read_appointment(appointment_id: int) -> Response:
    """The appointment; the desks that talk to the patient get the complaint, and that
    read is in the access log as ``fhir``."""
    read_only_args()
    full = sees_contact()
    with (work() if full else reading()) as w:
        facts = load_facts(w.session, w.desk, appointment_id)
        if full:
            record_access(w.session, w.desk, facts.patient.id, Access.FHIR,
                          facts.code)
        return fhir_response(appointment_resource(facts, contact=full))


@blp.get("/Appointment")
@reader
def search_appointments() -> Response:
    args = search_args({"identifier": 1, "date": 2, "practitioner": 1, "patient": 1,
                        "status": 1})
    code = code_of(args.token("identifier"), APPOINTMENT_CODE_SYSTEM)
    expert_id = args.reference("practitioner", "Practitioner")
    patient_id = args.reference("patient", "Patient")
    statuses = args.codes("status", list(STATUS_OF_FHIR))
    if code is False:
        return searchset("Appointment", args, 0, [])
    with reading() as w:
        total, appointments = found.appointments(
            w.session, w.desk, args.page(), code=code or None, expert_id=expert_id,
            patient_id=patient_id, within=args.dates("date", w.desk.zone),
            statuses=[STATUS_OF_FHIR[s].value for s in statuses] if statuses else None)
    return searchset("Appointment", args, total,
                     [appointment_resource(a, contact=False) for a in appointments])


# --- Patient ------------------------------------------------------------------------------

serves("Patient", ["read", "search-type"], [
    ("identifier", "token", f"The patient's id ({PATIENT_ID_SYSTEM}|id); required")])


@blp.get("/Patient/<int:patient_id>")
@reader
def read_patient(patient_id: int) -> Response:
    """The patient, telecom masked for roles that never see full contact (SPEC §8); a
    full read is in the access log as ``fhir``."""
    read_only_args()
    full = sees_contact()
    with (work() if full else reading()) as w:
        patient = get_patient(w.session, patient_id)
        if full:
            record_access(w.session, w.desk, patient.id, Access.FHIR, "Patient read")
        return fhir_response(patient_resource(patient_view(record_of(patient), contact=full)))


@blp.get("/Patient")
@reader
def search_patients() -> Response:
    """By identifier only: FHIR never lists patients in bulk."""
    args = search_args({"identifier": 1})
    token = args.token("identifier")
    if token is None:
        raise Invalid("identifier_required", "Search patients by identifier "
                            f"({PATIENT_ID_SYSTEM}|id).", field="identifier")
    patient_id = id_of(token, PATIENT_ID_SYSTEM)
    page = args.page()
    if patient_id is None or patient_id is False or page.count == 0:
        return searchset("Patient", args, 0, [])
    full = sees_contact()
    with (work() if full else reading()) as w:
        try:
            patient = get_patient(w.session, patient_id)
        except NotFound:
            return searchset("Patient", args, 0, [])
        if full:
            record_access(w.session, w.desk, patient.id, Access.FHIR, "Patient search")
        resources = [patient_resource(patient_view(record_of(patient), contact=full))]
    return searchset("Patient", args, 1, resources if page.offset == 0 else [])
