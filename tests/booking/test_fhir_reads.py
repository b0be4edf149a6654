"""/fhir's reads and searches (SPEC §13): what booking holds, as valid R4 resources.

Every answer is parsed with the ``fhir.resources`` R4B models (``tests/support/fhir``).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from services.booking.domain.fhir import (
    APPOINTMENT_CODE_SYSTEM,
    DEPARTMENT_CODE_SYSTEM,
    EXPERT_CODE_SYSTEM,
    PATIENT_ID_SYSTEM,
    REMAINING_PLACES_URL,
    SERVICE_TYPE_SYSTEM,
)
from services.booking.models import AccessRecord
from services.common.clock import MovableClock
from services.common.config import DEFAULT_JWT_SECRET
from services.common.tokens import issue_token
from tests.support.booking import PHONES, SHANGHAI, Inventory, Staff, bearer, expert, tomorrow
from tests.support.fhir import (
    extension,
    found,
    next_link,
    outcome,
    resource,
    searchset,
)


@pytest.fixture
def manager(staff: Any) -> Staff:
    return staff("manager", "qian")


def ids(bundle: dict[str, Any]) -> list[str]:
    return [r["id"] for r in found(bundle)]


def fhir_access(app: Flask) -> list[tuple[str, str, int, str]]:
    with app.extensions["clinic"].db.reading() as session:
        return [(r.staff, r.action, r.patient_id, r.detail)
                for r in session.scalars(select(AccessRecord).where(AccessRecord.action == "fhir")
                                         .order_by(AccessRecord.id))]


# --- the directory --------------------------------------------------------------------------

def test_experts_are_practitioners_found_by_their_code(inv: Inventory, frontdesk: Staff) -> None:
    inv.session(tomorrow(), time(8), expert_id=1)
    inv.session(tomorrow(), time(8), expert_id=2, expert_name="李四")
    wang = resource(frontdesk.get("/fhir/Practitioner/1"), "Practitioner")
    assert wang["identifier"] == [{"system": EXPERT_CODE_SYSTEM, "value": "E1"}]
    assert wang["name"] == [{"text": "王建国"}] and wang["active"] is True
    assert ids(searchset(frontdesk.get(f"/fhir/Practitioner?identifier={EXPERT_CODE_SYSTEM}|E2"),
                         "Practitioner")) == ["2"]
    assert ids(searchset(frontdesk.get("/fhir/Practitioner?identifier=E1"), "Practitioner")) \
        == ["1"]
    assert searchset(frontdesk.get("/fhir/Practitioner?identifier=http://other|E1"),
                     "Practitioner")["total"] == 0
    assert ids(searchset(frontdesk.get("/fhir/Practitioner?name=李"), "Practitioner")) == ["2"]
    everyone = searchset(frontdesk.get("/fhir/Practitioner"), "Practitioner")
    assert everyone["total"] == 2 and ids(everyone) == ["1", "2"]
    outcome(frontdesk.get("/fhir/Practitioner/99"), 404, "not-found")


def test_an_expert_in_a_department_is_a_practitioner_role(inv: Inventory,
                                                          frontdesk: Staff) -> None:
    inv.session(tomorrow(), time(8), expert_id=1, department_id=1)
    inv.session(tomorrow(), time(8), expert_id=2, department_id=2)
    role = resource(frontdesk.get("/fhir/PractitionerRole/2"), "PractitionerRole")
    assert role["practitioner"]["reference"] == "Practitioner/2"
    assert role["healthcareService"][0]["reference"] == "HealthcareService/2"
    by_service = searchset(frontdesk.get("/fhir/PractitionerRole?service=HealthcareService/1"),
                           "PractitionerRole")
    assert ids(by_service) == ["1"]
    assert ids(searchset(frontdesk.get("/fhir/PractitionerRole?practitioner=2"),
                         "PractitionerRole")) == ["2"]


def test_departments_are_healthcare_services(inv: Inventory, manager: Staff) -> None:
    inv.session(tomorrow(), time(8), expert_id=1, department_id=1)
    inv.session(tomorrow(), time(8), expert_id=2, department_id=2)
    heart = resource(manager.get("/fhir/HealthcareService/1"), "HealthcareService")
    assert heart["name"] == "心内科" and heart["comment"] == "门诊楼 3 楼"
    assert heart["identifier"] == [{"system": DEPARTMENT_CODE_SYSTEM, "value": "D1"}]
    assert ids(searchset(manager.get("/fhir/HealthcareService?identifier=D2"),
                         "HealthcareService")) == ["2"]
    assert searchset(manager.get("/fhir/HealthcareService"), "HealthcareService")["total"] == 2
    outcome(manager.get("/fhir/HealthcareService/9"), 404, "not-found")


def test_each_active_expert_has_one_schedule(inv: Inventory, consultant: Staff) -> None:
    inv.session(tomorrow(), time(8), expert_id=1)
    inv.session(tomorrow(), time(8), expert_id=2, department_id=2)
    gone = expert(2, 2)
    inv.apply(type(gone)(**{**gone.to_data(), "active": False}))
    schedule = resource(consultant.get("/fhir/Schedule/1"), "Schedule")
    assert schedule["actor"][0]["reference"] == "Practitioner/1"
    assert ids(searchset(consultant.get("/fhir/Schedule"), "Schedule")) == ["1"]
    assert ids(searchset(consultant.get("/fhir/Schedule?actor=Practitioner/1"), "Schedule")) \
        == ["1"]
    assert searchset(consultant.get(f"/fhir/Schedule?service-type={SERVICE_TYPE_SYSTEM}|2"),
                     "Schedule")["total"] == 0
    outcome(consultant.get("/fhir/Schedule/2"), 404, "not-found")
    assert resource(consultant.get("/fhir/Practitioner/2"), "Practitioner")["active"] is False


# --- slots ------------------------------------------------------------------------------

def test_slot_statuses_and_remaining_places_are_the_consoles(inv: Inventory,
                                                            frontdesk: Staff) -> None:
    day = tomorrow()
    full, open_, stopped = inv.session(day, time(8), count=3, capacity=1)
    assert frontdesk.book(full).status_code == 201
    inv.cancel([stopped])
    bundle = searchset(frontdesk.get(f"/fhir/Slot?schedule=Schedule/1&start=ge{day}"
                                     f"&start=lt{day + timedelta(days=1)}"), "Slot")
    slots = {int(s["id"]): s for s in found(bundle)}
    assert bundle["total"] == 3
    assert {k: v["status"] for k, v in slots.items()} == {
        full: "busy", open_: "free", stopped: "busy-unavailable"}
    remaining = {k: extension(v, REMAINING_PLACES_URL)["valueUnsignedInt"]
                 for k, v in slots.items()}
    grid = frontdesk.get(f"/api/v1/availability?department_id=1&date={day}&days=1").get_json()
    assert remaining == {s["slot_id"]: s["remaining"] for s in grid["experts"][0]["slots"]}
    assert remaining == {full: 0, open_: 1, stopped: 0}
    assert slots[stopped]["comment"] == "学术会议"
    assert slots[open_]["schedule"] == {"reference": "Schedule/1"}
    assert slots[open_]["start"].endswith("+08:00")
    free = searchset(frontdesk.get(f"/fhir/Slot?schedule=1&start=ge{day}&status=free"), "Slot")
    assert ids(free) == [str(open_)]
    not_free = searchset(frontdesk.get(
        f"/fhir/Slot?schedule=1&start=ge{day}&status=busy,busy-unavailable"), "Slot")
    assert sorted(map(int, ids(not_free))) == sorted([full, stopped])
    one = resource(frontdesk.get(f"/fhir/Slot/{open_}"), "Slot")
    assert one == slots[open_]


def test_a_slot_search_keeps_to_the_start_range_and_the_department(inv: Inventory,
                                                                  frontdesk: Staff) -> None:
    day = tomorrow()
    morning = inv.session(day, time(8), count=4, expert_id=1, department_id=1)
    inv.session(day, time(8), count=4, expert_id=2, department_id=2)
    later = inv.session(day + timedelta(days=1), time(8), count=2, expert_id=1)
    nine = f"{day}T09:00:00+08:00"
    bundle = searchset(frontdesk.get(
        f"/fhir/Slot?service-type={SERVICE_TYPE_SYSTEM}|1&start=ge{day}&start=lt{nine}"
        .replace("+", "%2B")), "Slot")
    assert ids(bundle) == [str(s) for s in morning[:2]]
    two_days = searchset(frontdesk.get(f"/fhir/Slot?service-type=1&start=ge{day}"
                                       f"&start=le{day + timedelta(days=1)}"), "Slot")
    assert ids(two_days) == [str(s) for s in morning + later]
    outcome(frontdesk.get(f"/fhir/Slot?start=ge{day}&start=lt{day + timedelta(days=40)}"),
            422, "invalid")


def test_paging_follows_next_links_over_every_match_once(inv: Inventory,
                                                        frontdesk: Staff) -> None:
    day = tomorrow()
    slots = inv.session(day, time(8), count=7, expert_id=1) + inv.session(
        day, time(8), count=4, expert_id=2)
    url: str | None = f"/fhir/Slot?start=ge{day}&_count=3"
    seen, pages = [], 0
    while url:
        bundle = searchset(frontdesk.get(url), "Slot")
        assert bundle["total"] == 11 and len(found(bundle)) <= 3
        seen += ids(bundle)
        url, pages = next_link(bundle), pages + 1
    assert pages == 4 and sorted(map(int, seen)) == sorted(slots) and len(set(seen)) == 11
    only_total = searchset(frontdesk.get(f"/fhir/Slot?start=ge{day}&_count=0"), "Slot")
    assert only_total["total"] == 11 and "entry" not in only_total
    capped = searchset(frontdesk.get("/fhir/Practitioner?_count=100000"), "Practitioner")
    assert "_count=500" in capped["link"][0]["url"]


# --- appointments -------------------------------------------------------------------------

@pytest.fixture
def booked(inv: Inventory, frontdesk: Staff) -> dict[str, Any]:
    first, second = inv.session(tomorrow(), time(8), count=2, capacity=5)
    answer = frontdesk.book(first, complaint="胸闷两周，电话 13912345678")
    assert answer.status_code == 201, answer.get_json()
    other = frontdesk.book(second, phone=PHONES[1], name="李四")
    assert other.status_code == 201
    return {"first": answer.get_json(), "other": other.get_json()}


def test_an_appointment_is_a_booked_fhir_appointment(booked: dict[str, Any], app: Flask,
                                                      frontdesk: Staff) -> None:
    mine = booked["first"]
    appointment = resource(frontdesk.get(f"/fhir/Appointment/{mine['id']}"), "Appointment")
    assert appointment["status"] == "booked"
    assert appointment["identifier"] == [{"system": APPOINTMENT_CODE_SYSTEM,
                                          "value": mine["code"]}]
    assert appointment["slot"] == [{"reference": f"Slot/{mine['slot_id']}"}]
    assert appointment["start"] == mine["start"][:19] + "+08:00"
    assert appointment["meta"]["tag"][0]["code"] == "chat"
    actors = [p["actor"]["reference"] for p in appointment["participant"]]
    assert actors == [f"Patient/{mine['patient']['id']}", "Practitioner/1",
                      "HealthcareService/1"]
    assert appointment["comment"] == "胸闷两周，电话 13912345678"
    assert fhir_access(app) == [("zhou", "fhir", mine["patient"]["id"], mine["code"])]


def test_appointments_are_searched_by_code_expert_patient_date_and_status(
        booked: dict[str, Any], frontdesk: Staff) -> None:
    mine, other = booked["first"], booked["other"]
    day = tomorrow()

    def search(query: str) -> list[str]:
        bundle = searchset(frontdesk.get(f"/fhir/Appointment?{query}"), "Appointment")
        assert all("comment" not in a for a in found(bundle))  # no complaint in bulk
        return ids(bundle)

    assert search(f"identifier={APPOINTMENT_CODE_SYSTEM}|{mine['code']}") == [str(mine["id"])]
    assert search(f"patient=Patient/{other['patient']['id']}") == [str(other["id"])]
    assert search("practitioner=Practitioner/1") == [str(mine["id"]), str(other["id"])]
    assert search(f"date={day}") == [str(mine["id"]), str(other["id"])]
    assert search(f"date=lt{day}") == []
    assert search("status=booked&_count=1") == [str(mine["id"])]
    assert search("status=cancelled,noshow") == []


def test_every_status_has_its_fhir_name_and_a_cancellation_its_reason(
        booked: dict[str, Any], frontdesk: Staff, consultant: Staff,
        clock: MovableClock) -> None:
    mine, other = booked["first"], booked["other"]
    cancelled = consultant.post(f"/api/v1/appointments/{other['id']}/cancel",
                                json={"reason": "patient", "note": "出差"})
    assert cancelled.status_code == 200, cancelled.get_json()
    clock.set(datetime.combine(tomorrow(), time(8, 5), tzinfo=SHANGHAI))
    assert frontdesk.post(f"/api/v1/appointments/{mine['id']}/check-in", json={}).status_code \
        == 200
    assert resource(frontdesk.get(f"/fhir/Appointment/{mine['id']}"),
                    "Appointment")["status"] == "arrived"
    assert frontdesk.post(f"/api/v1/appointments/{mine['id']}/complete", json={}).status_code \
        == 200
    assert resource(frontdesk.get(f"/fhir/Appointment/{mine['id']}"),
                    "Appointment")["status"] == "fulfilled"
    appointment = resource(frontdesk.get(f"/fhir/Appointment/{other['id']}"), "Appointment")
    assert appointment["status"] == "cancelled"
    assert appointment["cancelationReason"]["coding"][0]["code"] == "pat"
    assert appointment["cancelationReason"]["text"] == "出差"
    assert ids(searchset(frontdesk.get("/fhir/Appointment?status=cancelled"),
                         "Appointment")) == [str(other["id"])]


def test_managers_get_no_complaint_and_leave_no_access_record(booked: dict[str, Any],
                                                              app: Flask,
                                                              manager: Staff) -> None:
    appointment = resource(manager.get(f"/fhir/Appointment/{booked['first']['id']}"),
                           "Appointment")
    assert "comment" not in appointment
    assert fhir_access(app) == []


# --- patients -----------------------------------------------------------------------------

def test_a_patients_contact_is_full_for_the_desks_and_each_read_is_logged(
        booked: dict[str, Any], app: Flask, frontdesk: Staff) -> None:
    pid = booked["first"]["patient"]["id"]
    patient = resource(frontdesk.get(f"/fhir/Patient/{pid}"), "Patient")
    assert patient["identifier"] == [{"system": PATIENT_ID_SYSTEM, "value": str(pid)}]
    assert patient["name"] == [{"text": "张三"}]
    assert patient["telecom"] == [{"system": "phone", "value": "+8613800138000",
                                   "use": "mobile"}]
    bundle = searchset(frontdesk.get(f"/fhir/Patient?identifier={PATIENT_ID_SYSTEM}|{pid}"),
                       "Patient")
    assert found(bundle) == [patient]
    assert fhir_access(app) == [("zhou", "fhir", pid, "Patient read"),
                                ("zhou", "fhir", pid, "Patient search")]


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_get_a_patients_telecom_masked_unlogged(
        booked: dict[str, Any], app: Flask, staff: Any, role: str) -> None:
    reader = staff(role)
    pid = booked["first"]["patient"]["id"]
    patient = resource(reader.get(f"/fhir/Patient/{pid}"), "Patient")
    assert patient["telecom"][0]["value"] == "138****8000"
    bundle = searchset(reader.get(f"/fhir/Patient?identifier={pid}"), "Patient")
    assert found(bundle)[0]["telecom"][0]["value"] == "138****8000"
    assert fhir_access(app) == []


def test_patients_are_never_listed_in_bulk(booked: dict[str, Any], frontdesk: Staff) -> None:
    outcome(frontdesk.get("/fhir/Patient"), 422, "invalid")
    assert searchset(frontdesk.get("/fhir/Patient?identifier=http://other|1"),
                     "Patient")["total"] == 0
    assert searchset(frontdesk.get("/fhir/Patient?identifier=999"), "Patient")["total"] == 0
    outcome(frontdesk.get("/fhir/Patient/999"), 404, "not-found")


# --- errors -------------------------------------------------------------------------------

def test_without_a_token_a_read_is_a_login_outcome(app: Flask) -> None:
    answer = app.test_client().get("/fhir/Slot")
    outcome(answer, 401, "login")
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_without_a_reading_role_is_a_forbidden_outcome(app: Flask) -> None:
    token = issue_token(DEFAULT_JWT_SECRET, "nobody", [], ttl_seconds=600)
    answer = app.test_client().get("/fhir/Practitioner",
                                   headers={"Authorization": f"Bearer {token}"})
    outcome(answer, 403, "forbidden")


def test_an_unknown_or_malformed_parameter_names_itself(frontdesk: Staff) -> None:
    unknown = outcome(frontdesk.get("/fhir/Slot?colour=red"), 422, "invalid")
    assert unknown["issue"][0]["expression"] == ["colour"]
    assert unknown["issue"][0]["details"]["coding"][0]["code"] == "unknown_parameter"
    bad = outcome(frontdesk.get("/fhir/Appointment?date=yesterday"), 422, "invalid")
    assert bad["issue"][0]["expression"] == ["date"]
    outcome(frontdesk.get("/fhir/Slot?_count=-1"), 422, "invalid")
    outcome(frontdesk.get("/fhir/Practitioner/1?name=x"), 422, "invalid")


def test_an_unexpected_error_is_an_exception_outcome_without_a_trace(
        app: Flask, frontdesk: Staff, monkeypatch: pytest.MonkeyPatch) -> None:
    from services.booking.reads import fhir as reads

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(reads, "experts", broken)
    answer = frontdesk.get("/fhir/Practitioner")
    body = outcome(answer, 500, "exception")
    assert "secret" not in answer.get_data(as_text=True)
    assert body["issue"][0]["severity"] == "fatal"


def test_the_capability_statement_lists_exactly_the_served_reads(app: Flask) -> None:
    statement = resource(app.test_client().get("/fhir/metadata"), "CapabilityStatement")
    served = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert set(served) >= {"Practitioner", "PractitionerRole", "HealthcareService",
                           "Schedule", "Slot", "Appointment", "Patient"}
    routes = {rule.rule.split("/")[2] for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/fhir/") and rule.rule != "/fhir/metadata"}
    assert routes == set(served)
    params = {p["name"] for p in served["Slot"]["searchParam"]}
    assert params == {"schedule", "service-type", "start", "status"}


def test_searches_read_and_page_alike_on_postgresql(make_app: Any, pg_url: str) -> None:
    app = make_app("booking", database_url=pg_url)
    try:
        inv, desk = Inventory(app), Staff(app, bearer("frontdesk", "zhou"))
        day = tomorrow()
        slots = inv.session(day, time(8), count=5, capacity=1)
        assert desk.book(slots[0]).status_code == 201
        url: str | None = f"/fhir/Slot?schedule=1&start=ge{day}&start=lt{day + timedelta(1)}" \
                          "&_count=2"
        seen: list[dict[str, Any]] = []
        while url:
            bundle = searchset(desk.get(url), "Slot")
            assert bundle["total"] == 5
            seen += found(bundle)
            url = next_link(bundle)
        assert [int(s["id"]) for s in seen] == slots
        assert [s["status"] for s in seen] == ["busy"] + ["free"] * 4
        booked = searchset(desk.get(f"/fhir/Appointment?date=ge{day}&status=booked"),
                           "Appointment")
        assert booked["total"] == 1 and found(booked)[0]["slot"][0]["reference"] == \
            f"Slot/{slots[0]}"
        outcome(desk.get("/fhir/Appointment?date=lt0001-01-01T00:00:00%2B14:00"), 422,
                "invalid")
    finally:
        app.extensions["clinic"].db.dispose()


def test_every_fhir_route_but_metadata_needs_a_token(app: Flask) -> None:
    client = app.test_client()
    routes = [rule.rule.replace("<int:", "<").split("<")[0] + "1"
              if "<" in rule.rule else rule.rule
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/fhir/")]
    assert len(routes) > 14
    for url in routes:
        answer = client.get(url)
        if url == "/fhir/metadata":
            assert answer.status_code == 200
        else:
            outcome(answer, 401, "login")
