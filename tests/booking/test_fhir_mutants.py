"""Booking's FHIR resources and search syntax asserted whole, in the domain (no app): every
key, value and default of each built resource, and every reading or refusal of a search
parameter, so that no change to ``domain/fhir.py`` goes unnoticed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.booking.domain.facts import (
    AppointmentFacts,
    DepartmentRef,
    ExpertRef,
    PatientContact,
    SlotTime,
)
from services.booking.domain.fhir import (
    DepartmentEntry,
    ExpertEntry,
    Page,
    Range,
    SearchArgs,
    SlotEntry,
    Token,
    appointment_resource,
    bundle,
    department_concept,
    healthcare_service_resource,
    identifier,
    instant,
    moment_bounds,
    narrowed,
    operation_outcome,
    participants,
    patient_resource,
    practitioner_resource,
    practitioner_role_resource,
    reference,
    schedule_resource,
    slot_resource,
    slot_status,
    whole_number,
)
from services.booking.domain.rules import Invalid
from services.booking.domain.statuses import AppointmentStatus
from tests.support.fhir import valid

ZONE = ZoneInfo("Asia/Shanghai")
BASE = "https://clinic.example.org/fhir"
SERVICE_TYPE = f"{BASE}/CodeSystem/department"
CHANNEL = f"{BASE}/CodeSystem/booking-channel"
CANCEL_REASON = f"{BASE}/CodeSystem/cancel-reason"
HL7_REASON = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"
REMAINING = f"{BASE}/StructureDefinition/remaining-places"


# --- small pieces -----------------------------------------------------------------------

def test_an_instant_keeps_its_offset_to_the_second_and_refuses_a_naive_time() -> None:
    assert instant(datetime(2026, 12, 7, 8, 5, 9, 999999, tzinfo=ZONE)) \
        == "2026-12-07T08:05:09+08:00"
    assert instant(datetime(2026, 12, 7, tzinfo=UTC)) == "2026-12-07T00:00:00+00:00"
    with pytest.raises(ValueError) as naive:
        instant(datetime(2026, 12, 7, 8))
    assert str(naive.value) == "a FHIR time needs an offset"


def test_references_identifiers_and_outcomes_are_exactly_fhirs() -> None:
    assert reference("Slot", 11) == {"reference": "Slot/11"}
    assert reference("Patient", "9", "张三") == {"reference": "Patient/9", "display": "张三"}
    assert reference("Patient", 9, "") == {"reference": "Patient/9"}
    assert identifier("urn:x", "E1") == {"system": "urn:x", "value": "E1"}
    assert operation_outcome("error", "not-found", "No such slot.") == {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "not-found", "diagnostics": "No such slot."}]}
    found = operation_outcome("warning", "invalid", "Bad.", "start")
    assert found == {"resourceType": "OperationOutcome", "issue": [
        {"severity": "warning", "code": "invalid", "diagnostics": "Bad.",
         "expression": ["start"]}]}
    valid(found, "OperationOutcome")
    assert operation_outcome("error", "invalid", "Bad.", "") == {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "invalid", "diagnostics": "Bad."}]}


def test_a_department_concept_names_its_service_only_when_it_has_a_name() -> None:
    assert department_concept(3, "心内科") == {
        "coding": [{"system": SERVICE_TYPE, "code": "3", "display": "心内科"}], "text": "心内科"}
    assert department_concept(4, "") == {"coding": [{"system": SERVICE_TYPE, "code": "4"}]}


# --- appointments -------------------------------------------------------------------------

def facts(**changes: Any) -> AppointmentFacts:
    start = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
    made = AppointmentFacts(
        id=42, code="A7K2Q9", status=AppointmentStatus.BOOKED, queue_number=3,
        channel="phone", overbooked=False, overbook_reason=None, override_reason=None,
        complaint="头痛 13800138000", booked_by="frontdesk",
        created_at=datetime(2026, 12, 6, 2, 30, 15, 123456, tzinfo=UTC), checked_in_at=None,
        cancel_reason=None, cancel_note=None, visit_ends=start + timedelta(hours=1),
        slot=SlotTime(slot_id=11, start=start, end=start + timedelta(minutes=30),
                      date=date(2026, 12, 7), session="morning"),
        expert=ExpertRef(id=7, name="李医生", title="主任医师", fee="50.00"),
        department=DepartmentRef(id=3, name="心内科", location="2F"),
        patient=PatientContact(id=9, name="张三", phone="+8613800138000", mobile=True,
                               email=None, sms_consent=False, email_consent=False),
        hospital=None, zone=ZONE)
    return replace(made, **changes)


PARTICIPANTS = [
    {"actor": {"reference": "Patient/9", "display": "张三"},
     "required": "required", "status": "accepted"},
    {"actor": {"reference": "Practitioner/7", "display": "李医生"},
     "required": "required", "status": "accepted"},
]
IN_DEPARTMENT = {"actor": {"reference": "HealthcareService/3", "display": "心内科"},
                 "required": "information-only", "status": "accepted"}


def appointment(**changes: Any) -> dict[str, Any]:
    """The Appointment ``facts()`` make, seen with contact, with ``changes`` to its keys."""
    found = {
        "resourceType": "Appointment", "id": "42",
        "meta": {"tag": [{"system": CHANNEL, "code": "phone"}]},
        "identifier": [{"system": f"{BASE}/sid/appointment-code", "value": "A7K2Q9"}],
        "status": "booked",
        "serviceType": [{"coding": [{"system": SERVICE_TYPE, "code": "3", "display": "心内科"}],
                         "text": "心内科"}],
        "comment": "头痛 13800138000",
        "start": "2026-12-07T08:00:00+08:00", "end": "2026-12-07T08:30:00+08:00",
        "created": "2026-12-06T10:30:15+08:00",
        "slot": [{"reference": "Slot/11"}],
        "participant": [*PARTICIPANTS, IN_DEPARTMENT]}
    found.update(changes)
    return {key: value for key, value in found.items() if value is not None}


def test_an_appointment_is_built_whole_with_its_complaint_for_the_contact_roles() -> None:
    built = appointment_resource(facts(), contact=True)
    assert built == appointment()
    assert list(built) == ["resourceType", "id", "meta", "identifier", "status",
                           "serviceType", "comment", "start", "end", "created", "slot",
                           "participant"]
    valid(built, "Appointment")


def test_others_get_no_complaint_and_no_complaint_is_no_comment() -> None:
    assert appointment_resource(facts(), contact=False) == appointment(comment=None)
    assert appointment_resource(facts(complaint=""), contact=True) == appointment(comment=None)


def test_an_appointment_without_a_department_has_no_service_type() -> None:
    built = appointment_resource(facts(department=None), contact=True)
    assert built == appointment(serviceType=None, participant=PARTICIPANTS)
    assert participants(facts(department=None)) == PARTICIPANTS
    assert participants(facts()) == [*PARTICIPANTS, IN_DEPARTMENT]


@pytest.mark.parametrize("status, fhir", [
    (AppointmentStatus.BOOKED, "booked"), (AppointmentStatus.CHECKED_IN, "arrived"),
    (AppointmentStatus.COMPLETED, "fulfilled"), (AppointmentStatus.NO_SHOW, "noshow"),
    (AppointmentStatus.CANCELLED, "cancelled")])
def test_every_status_has_its_fhir_name(status: AppointmentStatus, fhir: str) -> None:
    assert appointment_resource(facts(status=status), contact=True) == appointment(status=fhir)


@pytest.mark.parametrize("reason, hl7", [
    ("patient", "pat"), ("hospital", "prov"), ("expert_unavailable", "prov-pers")])
def test_a_cancellation_names_who_cancelled_in_hl7s_codes_and_clinics(reason: str,
                                                                       hl7: str) -> None:
    built = appointment_resource(facts(status=AppointmentStatus.CANCELLED,
                                       cancel_reason=reason), contact=True)
    assert built == appointment(status="cancelled", cancelationReason={"coding": [
        {"system": HL7_REASON, "code": hl7}, {"system": CANCEL_REASON, "code": reason}]})
    valid(built, "Appointment")


def test_a_reason_hl7_has_no_code_for_is_only_clinics() -> None:
    built = appointment_resource(facts(status=AppointmentStatus.CANCELLED,
                                       cancel_reason="weather"), contact=False)
    assert built == appointment(status="cancelled", comment=None, cancelationReason={
        "coding": [{"system": CANCEL_REASON, "code": "weather"}]})


def test_the_cancel_note_is_full_for_the_contact_roles_and_masked_for_others() -> None:
    cancelled = facts(status=AppointmentStatus.CANCELLED, cancel_reason="patient",
                      cancel_note="改天再来 13800138000")
    coding = [{"system": HL7_REASON, "code": "pat"}, {"system": CANCEL_REASON, "code": "patient"}]
    assert appointment_resource(cancelled, contact=True) == appointment(
        status="cancelled", cancelationReason={"coding": coding, "text": "改天再来 13800138000"})
    assert appointment_resource(cancelled, contact=False) == appointment(
        status="cancelled", comment=None,
        cancelationReason={"coding": coding, "text": "改天再来 138****8000"})


def test_only_a_cancelled_appointment_with_a_reason_has_a_cancelation_reason() -> None:
    assert appointment_resource(facts(status=AppointmentStatus.CANCELLED), contact=True) \
        == appointment(status="cancelled")
    assert appointment_resource(facts(cancel_reason="patient", cancel_note="x"),
                                contact=True) == appointment()


# --- bundles ------------------------------------------------------------------------------

def test_a_bundle_holds_its_page_with_full_urls_and_links() -> None:
    slot = {"resourceType": "Slot", "id": "5"}
    assert bundle([slot], total=7, base="http://h/fhir", self_url="http://h/fhir/Slot?a=1",
                  next_url="http://h/fhir/Slot?a=1&_offset=1") == {
        "resourceType": "Bundle", "type": "searchset", "total": 7,
        "link": [{"relation": "self", "url": "http://h/fhir/Slot?a=1"},
                 {"relation": "next", "url": "http://h/fhir/Slot?a=1&_offset=1"}],
        "entry": [{"fullUrl": "http://h/fhir/Slot/5", "resource": slot,
                   "search": {"mode": "match"}}]}
    assert bundle([], total=0, base="http://h/fhir", self_url="http://h/fhir/Slot") == {
        "resourceType": "Bundle", "type": "searchset", "total": 0,
        "link": [{"relation": "self", "url": "http://h/fhir/Slot"}]}
    assert bundle([], total=3, base="b", self_url="s", next_url="") == {
        "resourceType": "Bundle", "type": "searchset", "total": 3,
        "link": [{"relation": "self", "url": "s"}]}


# --- the directory ------------------------------------------------------------------------

EXPERT = ExpertEntry(id=7, code="E007", name="李医生", title="主任医师", specialty="心律失常",
                     department_id=3, department_name="心内科", active=True)
BARE = replace(EXPERT, title="", specialty="", active=False)


def test_an_expert_is_a_practitioner_with_their_title_as_qualification() -> None:
    built = practitioner_resource(EXPERT)
    assert built == {
        "resourceType": "Practitioner", "id": "7",
        "identifier": [{"system": f"{BASE}/sid/expert-code", "value": "E007"}],
        "active": True, "name": [{"text": "李医生"}],
        "qualification": [{"code": {"text": "主任医师"}}]}
    valid(built, "Practitioner")
    assert practitioner_resource(BARE) == {
        "resourceType": "Practitioner", "id": "7",
        "identifier": [{"system": f"{BASE}/sid/expert-code", "value": "E007"}],
        "active": False, "name": [{"text": "李医生"}]}


def test_an_expert_in_their_department_is_a_practitioner_role() -> None:
    built = practitioner_role_resource(EXPERT)
    assert built == {
        "resourceType": "PractitionerRole", "id": "7", "active": True,
        "practitioner": {"reference": "Practitioner/7", "display": "李医生"},
        "healthcareService": [{"reference": "HealthcareService/3", "display": "心内科"}],
        "code": [{"text": "主任医师"}], "specialty": [{"text": "心律失常"}]}
    valid(built, "PractitionerRole")
    assert practitioner_role_resource(BARE) == {
        "resourceType": "PractitionerRole", "id": "7", "active": False,
        "practitioner": {"reference": "Practitioner/7", "display": "李医生"},
        "healthcareService": [{"reference": "HealthcareService/3", "display": "心内科"}]}


def test_an_expert_has_a_schedule_in_their_department() -> None:
    built = schedule_resource(EXPERT)
    assert built == {
        "resourceType": "Schedule", "id": "7", "active": True,
        "serviceType": [{"coding": [{"system": SERVICE_TYPE, "code": "3", "display": "心内科"}],
                         "text": "心内科"}],
        "actor": [{"reference": "Practitioner/7", "display": "李医生"}],
        "specialty": [{"text": "心律失常"}]}
    valid(built, "Schedule")
    assert schedule_resource(BARE) == {
        "resourceType": "Schedule", "id": "7", "active": False,
        "serviceType": [{"coding": [{"system": SERVICE_TYPE, "code": "3", "display": "心内科"}],
                         "text": "心内科"}],
        "actor": [{"reference": "Practitioner/7", "display": "李医生"}]}


def test_a_department_is_a_healthcare_service_commented_with_its_location() -> None:
    department = DepartmentEntry(id=3, code="CARD", name="心内科", location="门诊楼2层",
                                 active=True)
    built = healthcare_service_resource(department)
    assert built == {
        "resourceType": "HealthcareService", "id": "3",
        "identifier": [{"system": f"{BASE}/sid/department-code", "value": "CARD"}],
        "active": True, "name": "心内科",
        "type": [{"coding": [{"system": SERVICE_TYPE, "code": "3", "display": "心内科"}],
                  "text": "心内科"}],
        "comment": "门诊楼2层"}
    valid(built, "HealthcareService")
    assert healthcare_service_resource(replace(department, location="", active=False)) == {
        "resourceType": "HealthcareService", "id": "3",
        "identifier": [{"system": f"{BASE}/sid/department-code", "value": "CARD"}],
        "active": False, "name": "心内科",
        "type": [{"coding": [{"system": SERVICE_TYPE, "code": "3", "display": "心内科"}],
                  "text": "心内科"}]}


# --- slots --------------------------------------------------------------------------------

SLOT = SlotEntry(id=5, expert_id=7, department_id=3, department_name="心内科",
                 start=datetime(2026, 12, 7, 0, 0, tzinfo=UTC),
                 end=datetime(2026, 12, 7, 0, 30, tzinfo=UTC),
                 stopped=False, remaining=2, overbooked=False, stop_reason=None)


def slot(**changes: Any) -> dict[str, Any]:
    found = {
        "resourceType": "Slot", "id": "5",
        "extension": [{"url": REMAINING, "valueUnsignedInt": 2}],
        "serviceType": [{"coding": [{"system": SERVICE_TYPE, "code": "3", "display": "心内科"}],
                         "text": "心内科"}],
        "schedule": {"reference": "Schedule/7"}, "status": "free",
        "start": "2026-12-07T08:00:00+08:00", "end": "2026-12-07T08:30:00+08:00"}
    found.update(changes)
    return found


def test_a_slot_with_places_is_free_in_the_hospitals_zone() -> None:
    built = slot_resource(SLOT, ZONE)
    assert built == slot()
    valid(built, "Slot")
    assert slot_resource(SLOT, ZoneInfo("UTC")) == slot(
        start="2026-12-07T00:00:00+00:00", end="2026-12-07T00:30:00+00:00")
    eastern = timezone(timedelta(hours=-5))
    assert slot_resource(SLOT, eastern) == slot(            # type: ignore[arg-type]
        start="2026-12-06T19:00:00-05:00", end="2026-12-06T19:30:00-05:00")


def test_a_full_overbooked_slot_is_busy() -> None:
    assert slot_resource(replace(SLOT, remaining=0, overbooked=True), ZONE) == slot(
        extension=[{"url": REMAINING, "valueUnsignedInt": 0}], status="busy", overbooked=True)
    # a reason without a stop is no comment
    assert slot_resource(replace(SLOT, stop_reason="专家出诊"), ZONE) == slot()


def test_a_stopped_slot_has_no_places_and_says_why() -> None:
    stopped = replace(SLOT, stopped=True, stop_reason="专家出诊")
    built = slot_resource(stopped, ZONE)
    assert built == slot(extension=[{"url": REMAINING, "valueUnsignedInt": 0}],
                         status="busy-unavailable", comment="专家出诊")
    valid(built, "Slot")
    assert slot_resource(replace(stopped, stop_reason=None), ZONE) == slot(
        extension=[{"url": REMAINING, "valueUnsignedInt": 0}], status="busy-unavailable")


def test_slot_statuses() -> None:
    assert slot_status(False, 1) == "free"
    assert slot_status(False, 0) == "busy"
    assert slot_status(False, -1) == "busy"
    assert slot_status(True, 3) == "busy-unavailable"
    assert slot_status(True, 0) == "busy-unavailable"


# --- patients -----------------------------------------------------------------------------

def test_a_patient_with_every_detail() -> None:
    built = patient_resource({"id": 9, "name": "张三", "phone": "+8613800138000",
                              "mobile": True, "email": "z@example.org", "sex": "female",
                              "birth_date": date(1990, 5, 17), "id_card": "110101199005170000"})
    assert built == {
        "resourceType": "Patient", "id": "9",
        "identifier": [{"system": f"{BASE}/sid/patient-id", "value": "9"}],
        "name": [{"text": "张三"}],
        "telecom": [{"system": "phone", "value": "+8613800138000", "use": "mobile"},
                    {"system": "email", "value": "z@example.org"}],
        "gender": "female", "birthDate": "1990-05-17"}
    valid(built, "Patient")


def test_a_patient_with_a_home_phone_or_only_an_email_or_nothing() -> None:
    assert patient_resource({"id": 9, "name": "张三", "phone": "010-12345678",
                             "mobile": False, "email": None, "sex": None,
                             "birth_date": None}) == {
        "resourceType": "Patient", "id": "9",
        "identifier": [{"system": f"{BASE}/sid/patient-id", "value": "9"}],
        "name": [{"text": "张三"}],
        "telecom": [{"system": "phone", "value": "010-12345678", "use": "home"}]}
    assert patient_resource({"id": 9, "name": "张三", "phone": "010-12345678"})["telecom"] \
        == [{"system": "phone", "value": "010-12345678", "use": "home"}]
    assert patient_resource({"id": 10, "name": "李四", "email": "l@example.org",
                             "sex": "male"}) == {
        "resourceType": "Patient", "id": "10",
        "identifier": [{"system": f"{BASE}/sid/patient-id", "value": "10"}],
        "name": [{"text": "李四"}],
        "telecom": [{"system": "email", "value": "l@example.org"}], "gender": "male"}
    assert patient_resource({"id": 11, "name": "王五", "phone": "", "email": ""}) == {
        "resourceType": "Patient", "id": "11",
        "identifier": [{"system": f"{BASE}/sid/patient-id", "value": "11"}],
        "name": [{"text": "王五"}]}


# --- search parameters --------------------------------------------------------------------

ALLOWED = {"start": 2, "identifier": 1, "schedule": 1, "active": 1, "status": 1, "name": 1}


def args(*pairs: tuple[str, str], allowed: dict[str, int] | None = None) -> SearchArgs:
    return SearchArgs(list(pairs), ALLOWED if allowed is None else allowed)


def refused(field: str, *pairs: tuple[str, str], code: str = "bad_parameter",
            allowed: dict[str, int] | None = None) -> Invalid:
    with pytest.raises(Invalid) as caught:
        args(*pairs, allowed=allowed)
    assert (caught.value.code, caught.value.field) == (code, field)
    assert caught.value.message != code  # said in words, not only coded
    return caught.value


def refusal(read: Any, field: str) -> Invalid:
    with pytest.raises(Invalid) as caught:
        read()
    assert (caught.value.code, caught.value.field) == ("bad_parameter", field)
    assert f"'{field}' takes " in caught.value.message  # said in words, naming the parameter
    return caught.value


def test_whole_numbers_up_to_the_most() -> None:
    assert whole_number("0", 500) == 0
    assert whole_number("500", 500) == 500
    assert whole_number("0500", 500) is None  # more digits than the most has
    assert whole_number("501", 500) is None
    assert whole_number("999", 500) is None
    assert whole_number("12", 9) is None
    assert whole_number("9", 9) == 9
    assert whole_number("007", 500) == 7
    for bad in ("", "-1", "+1", "1.0", " 1", "1e3", "١٢", "²"):
        assert whole_number(bad, 500) is None


def test_the_parameters_given_are_kept_in_order_by_name() -> None:
    given = args(("start", "ge2026-12-07"), ("name", "李"), ("start", "lt2026-12-08"),
                 ("_count", "5"), ("_offset", "10"), ("_format", "json"))
    assert given.values == {"start": ["ge2026-12-07", "lt2026-12-08"], "name": ["李"],
                            "_count": ["5"], "_offset": ["10"], "_format": ["json"]}
    assert given.one("start") == "ge2026-12-07"
    assert given.one("identifier") is None
    assert given.all("start") == ["ge2026-12-07", "lt2026-12-08"]
    assert given.all("identifier") == []
    assert given.page() == Page(count=5, offset=10)


@pytest.mark.parametrize("fmt", ["json", "application/json", "application/fhir+json"])
def test_json_formats_are_served(fmt: str) -> None:
    assert args(("_format", fmt)).one("_format") == fmt


def test_unknown_repeated_and_unserved_parameters_are_refused_naming_them() -> None:
    unknown = refused("colour", ("colour", "red"), code="unknown_parameter")
    assert str(unknown) == ("Unknown search parameter 'colour'; this search takes: "
                            "_count, _format, _offset, active, identifier, name, schedule, "
                            "start, status.")
    long = "x" * 50
    assert refused("x" * 40, (long, "1"), code="unknown_parameter").field == "x" * 40
    refused("off", ("off", "1"), code="unknown_parameter", allowed={"off": 0})
    twice = refused("name", ("name", "a"), ("name", "b"))
    assert twice.message == "'name' may be given at most 1 time(s)."
    assert args(("start", "2026-12-07"), ("start", "2026-12-08")).all("start") \
        == ["2026-12-07", "2026-12-08"]
    refused("start", *[("start", "2026-12-07")] * 3)
    refused("_count", ("_count", "1"), ("_count", "2"))
    assert args(("_count", "1"), ("_count", "2"), allowed={"_count": 2}).page().count == 1
    for fmt in ("xml", "JSON", "text/html", ""):
        assert refused("_format", ("_format", fmt)).message == "Only JSON is served."


def test_a_page_is_fifty_from_the_start_unless_asked_and_at_most_five_hundred() -> None:
    assert args().page() == Page(count=50, offset=0)
    assert args(("_count", "0")).page() == Page(count=0, offset=0)
    assert args(("_count", "500")).page() == Page(count=500, offset=0)
    assert args(("_count", "501")).page() == Page(count=500, offset=0)
    assert args(("_count", str(2**31 - 1))).page() == Page(count=500, offset=0)
    assert args(("_offset", str(2**31 - 1))).page() == Page(count=50, offset=2**31 - 1)
    too_many = refusal(lambda: args(("_count", str(2**31))).page(), "_count")
    assert str(too_many) == "'_count' takes a whole number from 0 to 2147483647."
    refusal(lambda: args(("_offset", str(2**31))).page(), "_offset")
    refusal(lambda: args(("_offset", "-1")).page(), "_offset")
    refusal(lambda: args(("_count", "")).page(), "_count")
    assert args(("_count", "7")).number("_count", 3, 9) == 7
    assert args().number("_count", 3, 9) == 3
    refusal(lambda: args(("_count", "10")).number("_count", 3, 9), "_count")


def test_tokens() -> None:
    def token(raw: str) -> Token | None:
        return args(("identifier", raw)).token("identifier")

    assert args().token("identifier") is None
    assert token("http://x|E1") == Token("http://x", "E1")
    assert token("a|b|E1") == Token("a|b", "E1")
    assert token("|E1") == Token("", "E1")
    assert token("E1") == Token(None, "E1")
    for bad in ("", "x|", "|", "E1,E2", "s|E1,E2", "s,t|E1"):
        refusal(lambda bad=bad: token(bad), "identifier")
    assert Token(None, "E1").matches_system("http://x")
    assert Token("http://x", "E1").matches_system("http://x")
    assert not Token("http://x", "E1").matches_system("http://y")
    assert not Token("", "E1").matches_system("http://x")


def test_references() -> None:
    def read(raw: str) -> int | None:
        return args(("schedule", raw)).reference("schedule", "Schedule")

    assert args().reference("schedule", "Schedule") is None
    for written in ("Schedule/7", "7", "http://h/fhir/Schedule/7", "Schedule/7/"):
        assert read(written) == 7
    assert read(str(2**31 - 1)) == 2**31 - 1
    for bad in ("Slot/7", "0", "Schedule/0", "", "Schedule/x", "Schedule/", "/",
                str(2**31), "Schedule/-1", "http://h/fhir/Slot/7", "/7", "Schedule/7X", "7X"):
        refusal(lambda bad=bad: read(bad), "schedule")


def test_booleans() -> None:
    assert args().boolean("active") is None
    assert args(("active", "true")).boolean("active") is True
    assert args(("active", "false")).boolean("active") is False
    for bad in ("True", "1", "", "yes", "truefalse"):
        refusal(lambda bad=bad: args(("active", bad)).boolean("active"), "active")


def test_codes() -> None:
    allowed = ["free", "busy"]
    assert args().codes("status", allowed) is None
    assert args(("status", "free")).codes("status", allowed) == ["free"]
    assert args(("status", "busy,free")).codes("status", allowed) == ["busy", "free"]
    for bad in ("", "free,", "nope", "free,nope", "Free"):
        refusal(lambda bad=bad: args(("status", bad)).codes("status", allowed), "status")


def test_texts() -> None:
    assert args().text("name") is None
    assert args(("name", "  李 ")).text("name") == "李"
    assert args(("name", "x" * 200)).text("name") == "x" * 200
    refusal(lambda: args(("name", "x" * 201)).text("name"), "name")  # 200 at most by default
    assert args(("name", " " + "x" * 5 + " ")).text("name", 5) == "x" * 5
    for bad, longest in (("", 200), ("   ", 200), ("x" * 201, 200), ("x" * 6, 5)):
        refusal(lambda bad=bad, longest=longest: args(("name", bad)).text("name", longest),
                "name")


def day(d: int, h: int = 0, zone: Any = ZONE) -> datetime:
    return datetime(2026, 12, d, h, tzinfo=zone)


def test_dates_without_a_prefix_are_their_whole_day_in_the_hospitals_zone() -> None:
    assert args().dates("start", ZONE) == Range()
    assert args(("start", "2026-12-07")).dates("start", ZONE) == Range(day(7), day(8))
    assert args(("start", "eq2026-12-07")).dates("start", ZONE) == Range(day(7), day(8))
    assert args(("start", "2026-12-07")).dates("start", ZoneInfo("UTC")) \
        == Range(day(7, zone=UTC), day(8, zone=UTC))
    second = datetime(2026, 12, 7, 8, 0, 0, tzinfo=ZONE)
    assert args(("start", "2026-12-07T08:00:00+08:00")).dates("start", ZONE) \
        == Range(second, second + timedelta(seconds=1))
    assert args(("start", "2026-12-07T00:00:00Z")).dates("start", ZONE) \
        == Range(day(7, zone=UTC), datetime(2026, 12, 7, 0, 0, 1, tzinfo=UTC))


@pytest.mark.parametrize("raw, lower, upper", [
    ("ge2026-12-07", day(7), None),
    ("gt2026-12-07", day(8), None),
    ("le2026-12-07", None, day(8)),
    ("lt2026-12-07", None, day(7)),
    ("eq2026-12-07", day(7), day(8)),
])
def test_each_prefix_bounds_one_side(raw: str, lower: datetime | None,
                                     upper: datetime | None) -> None:
    assert narrowed(Range(), raw, ZONE, "start") == Range(lower, upper)


def test_two_dates_narrow_each_other() -> None:
    assert args(("start", "ge2026-12-07"), ("start", "lt2026-12-10")).dates("start", ZONE) \
        == Range(day(7), day(10))
    # the later lower bound and the earlier upper bound win, whichever comes first
    assert narrowed(Range(day(5), day(20)), "ge2026-12-07", ZONE, "s") == Range(day(7), day(20))
    assert narrowed(Range(day(9), day(20)), "ge2026-12-07", ZONE, "s") == Range(day(9), day(20))
    assert narrowed(Range(day(5), day(20)), "gt2026-12-07", ZONE, "s") == Range(day(8), day(20))
    assert narrowed(Range(day(5), day(20)), "lt2026-12-10", ZONE, "s") == Range(day(5), day(10))
    assert narrowed(Range(day(5), day(9)), "lt2026-12-10", ZONE, "s") == Range(day(5), day(9))
    assert narrowed(Range(day(5), day(20)), "le2026-12-10", ZONE, "s") == Range(day(5), day(11))
    assert narrowed(Range(day(5), day(20)), "2026-12-10", ZONE, "s") == Range(day(10), day(11))
    assert narrowed(Range(day(11), day(12)), "2026-12-10", ZONE, "s") \
        == Range(day(11), day(11))


def test_moment_bounds_of_a_day_and_of_a_second() -> None:
    assert moment_bounds("2026-12-07", ZONE, "s") == (day(7), day(8))
    moment = datetime(2026, 12, 7, 8, 0, 5, tzinfo=timezone(timedelta(hours=8)))
    assert moment_bounds("2026-12-07T08:00:05+08:00", ZONE, "s") \
        == (moment, moment + timedelta(seconds=1))
    assert moment_bounds("1900-01-01", ZONE, "s")[0] == datetime(1900, 1, 1, tzinfo=ZONE)
    assert moment_bounds("2999-12-30", ZONE, "s")[1] == datetime(2999, 12, 31, tzinfo=ZONE)
    assert moment_bounds("2999-12-31T23:59:59Z", ZONE, "s")[0] \
        == datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert moment_bounds("1900-01-01T00:00:00Z", ZONE, "s")[0] == datetime(1900, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("bad", [
    "2026-12-07T10:00:00", "2026-02-30", "1899-12-31", "3000-01-01", "2026-12-0７",
    "1899-12-31T23:59:59Z", "3000-01-01T00:00:00Z", "9999-12-31", "2026", "20261207",
    "", "x", "2026-12-07T08:00+08:00Z", "2026-12-07T08:00:00z", "2026-12-07T08:00:00XXZXX",
    "sa2026-12-07", "ge", "２０２６-12-07T08:00:00+08:00",
])
def test_anything_else_is_refused_naming_the_parameter(bad: str) -> None:
    error = refusal(lambda: args(("start", bad)).dates("start", ZONE), "start")
    assert str(error) == ("'start' takes a date (2026-03-01) or a time with its offset "
                          "(2026-03-01T08:00:00+08:00), after an optional prefix "
                          "(eq, ge, gt, le, lt).")


def test_a_range_holds_from_its_lower_bound_up_to_not_including_its_upper() -> None:
    within = Range(day(7), day(8))
    assert within.holds(day(7))
    assert within.holds(day(8) - timedelta(microseconds=1))
    assert not within.holds(day(8))
    assert not within.holds(day(7) - timedelta(microseconds=1))
    assert Range().holds(day(1))
    assert Range(lower=day(7)).holds(day(30)) and not Range(lower=day(7)).holds(day(6))
    assert Range(upper=day(7)).holds(day(1)) and not Range(upper=day(7)).holds(day(7))
