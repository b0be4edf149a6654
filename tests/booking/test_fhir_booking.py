"""Booking and cancelling through ``/fhir`` (SPEC §13): an Appointment booked by a
hospital system is an ordinary booking (the API's path, rules, refusals, idempotency,
events and roster line), refused as an OperationOutcome carrying the rule's code, and
cancelled by PATCH or PUT; every answer parses with the R4B models."""

from __future__ import annotations

import copy
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from flask import Flask
from prometheus_client import REGISTRY
from sqlalchemy import select, update

from services.booking.domain.fhir_booking import ID_CARD_SYSTEM, SMS_CONSENT_URL
from services.booking.models import Appointment as AppointmentRow
from services.booking.models import Patient
from tests.support.booking import PHONES, SHANGHAI, Inventory, Staff, bearer, events_of, tomorrow

FHIR_JSON = "application/fhir+json"
JSON_PATCH = "application/json-patch+json"
REFUSAL = "https://clinic.example.org/fhir/CodeSystem/refusal"
HL7_REASON = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"


def new_appointment(slot_id: int, phone: str = PHONES[0], name: str = "张三",
                    **patient: Any) -> dict[str, Any]:
    """An Appointment as a hospital system sends it: the patient contained."""
    return {
        "resourceType": "Appointment", "status": "booked", "comment": "胸闷两周",
        "slot": [{"reference": f"Slot/{slot_id}"}],
        "contained": [{"resourceType": "Patient", "id": "p",
                       "name": [{"text": name}],
                       "telecom": [{"system": "phone", "value": phone, "use": "mobile"}],
                       "extension": [{"url": SMS_CONSENT_URL, "valueBoolean": True}],
                       **patient}],
        "participant": [{"actor": {"reference": "#p"}, "status": "accepted"}],
    }


class System:
    """A client signed as a hospital system's account, speaking FHIR."""

    def __init__(self, app: Flask, role: str = "integration") -> None:
        self.client = app.test_client()
        self.header = bearer(role, "his")

    def book(self, body: Any, key: str | None = None) -> Any:
        headers = {**self.header, **({"Idempotency-Key": key} if key else {})}
        return self.client.post("/fhir/Appointment", json=body, headers=headers,
                                content_type=FHIR_JSON)

    def patch(self, appointment_id: int, operations: Any) -> Any:
        return self.client.patch(f"/fhir/Appointment/{appointment_id}", json=operations,
                                 headers=self.header, content_type=JSON_PATCH)

    def put(self, appointment_id: int, body: Any) -> Any:
        return self.client.put(f"/fhir/Appointment/{appointment_id}", json=body,
                               headers=self.header, content_type=FHIR_JSON)


@pytest.fixture
def his(app: Flask) -> System:
    return System(app)


@pytest.fixture
def slots(inv: Inventory) -> list[int]:
    return inv.session(tomorrow(), time(8), count=4, capacity=2)


def booked(answer: Any) -> Appointment:
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert answer.mimetype == FHIR_JSON
    resource = Appointment.model_validate(answer.get_json())
    assert answer.headers["Location"] == f"/fhir/Appointment/{resource.id}"
    return resource


def refused(answer: Any, status: int, code: str | None = None,
            expression: str | None = None) -> OperationOutcome:
    """An OperationOutcome with this status, the rule's code and the element at fault."""
    text = answer.get_data(as_text=True)
    assert answer.status_code == status, text
    assert answer.mimetype == FHIR_JSON and "Traceback" not in text
    outcome = OperationOutcome.model_validate(answer.get_json())
    issue = outcome.issue[0]
    assert issue.diagnostics
    if code is not None:
        assert issue.details is not None
        assert [(c.system, c.code) for c in issue.details.coding] == [(REFUSAL, code)]
    if expression is not None:
        assert issue.expression == [expression]
    return outcome


def test_a_hospital_system_books_and_it_is_an_ordinary_booking(app, his, slots,
                                                               staff) -> None:
    resource = booked(his.book(new_appointment(slots[0])))
    assert resource.status == "booked"
    assert resource.slot[0].reference == f"Slot/{slots[0]}"
    assert resource.meta.tag[0].code == "fhir"
    assert resource.comment == "胸闷两周"
    code = resource.identifier[0].value
    [event] = events_of(app, "booking.appointment.booked")
    assert event["channel"] == "fhir" and event["code"] == code
    assert event["patient"]["sms_consent"] is True
    roster = staff("frontdesk").get(f"/api/v1/roster?date={tomorrow()}").json
    [line] = [a for e in roster["experts"] for s in e["sessions"] for a in s["appointments"]]
    assert (line["code"], line["channel"], line["patient_name"]) == (code, "fhir", "张三")
    by_api = staff("frontdesk").get(f"/api/v1/appointments/{resource.id}").json
    assert by_api["channel"] == "fhir" and by_api["booked_by"] == "his"


def test_a_known_patient_is_booked_by_reference_and_details_are_kept(app, his, slots) -> None:
    first = booked(his.book(new_appointment(
        slots[0], birthDate="1980-05-04", gender="female",
        identifier=[{"system": ID_CARD_SYSTEM, "value": "110105198005040028"}])))
    patient = first.participant[0].actor.reference
    again = {"resourceType": "Appointment", "status": "booked",
             "slot": [{"reference": f"Slot/{slots[1]}"}],
             "participant": [{"actor": {"reference": patient}},
                             {"actor": {"reference": "Practitioner/1"}}]}
    # one visit per expert a day: the same patient is refused with the rule's code, and the
    # refusal is counted as the API's are (clinic_booking_refusals_total{code})
    counted = {"code": "duplicate"}
    before = REGISTRY.get_sample_value("clinic_booking_refusals_total", counted) or 0.0
    refused(his.book(again), 409, "duplicate")
    assert REGISTRY.get_sample_value("clinic_booking_refusals_total", counted) == before + 1
    with app.extensions["clinic"].db.reading() as session:
        row = session.scalar(select(Patient).where(Patient.id == int(patient.split("/")[1])))
        assert (str(row.birth_date), row.sex, row.id_number) == (
            "1980-05-04", "female", "110105198005040028")


def test_each_rule_refuses_as_the_api_does(app, his, inv, slots, clock) -> None:
    full = inv.session(tomorrow(), time(14), count=1, capacity=1)[0]
    booked(his.book(new_appointment(full, phone=PHONES[1])))
    refused(his.book(new_appointment(full, phone=PHONES[2])), 409, "slot_full")
    far = inv.session(tomorrow() + timedelta(days=30), time(8), count=1)[0]
    refused(his.book(new_appointment(far)), 409, "not_released")
    stopped = inv.session(tomorrow(), time(16), count=1, expert_id=2, expert_name="李")[0]
    inv.cancel([stopped])
    refused(his.book(new_appointment(stopped)), 409, "slot_cancelled")
    clock.set(datetime.combine(tomorrow(), time(7, 45), tzinfo=SHANGHAI))
    refused(his.book(new_appointment(slots[0])), 409, "closed")


def test_a_patient_who_often_missed_visits_needs_the_desk(app, his, inv, slots) -> None:
    earlier = [inv.session(tomorrow(), time(9), count=3, expert_id=n, expert_name=f"专家{n}")[0]
               for n in (3, 4, 5)]
    made = [booked(his.book(new_appointment(slot))) for slot in earlier]
    with app.extensions["clinic"].db.transaction() as session:
        session.execute(update(AppointmentRow).where(
            AppointmentRow.id.in_([int(m.id) for m in made])).values(status="no_show"))
    refused(his.book(new_appointment(slots[0])), 409, "no_show_override_required")


@pytest.mark.parametrize("patient, expression", [
    ({"telecom": [{"system": "phone", "value": "12"}]}, "Appointment.contained[0].telecom"),
    ({"telecom": [{"system": "email", "value": "a@b.cn"}]}, "Appointment.contained[0].telecom"),
    ({"name": [{"use": "official"}]}, "Appointment.contained[0].name"),
    ({"birthDate": "2999-01-01"}, "Appointment.contained[0].birthDate"),
    ({"gender": "robot"}, "Appointment.contained[0].gender"),
    ({"identifier": [{"system": ID_CARD_SYSTEM, "value": "110105198005040021"}]},
     "Appointment.contained[0].identifier"),
])
def test_a_patients_fields_booking_refuses_name_the_fhir_element(his, slots, patient,
                                                                  expression) -> None:
    refused(his.book(new_appointment(slots[0], **patient)), 422, None, expression)


def appointment_with(slot_id: int, **changes: Any) -> dict[str, Any]:
    body = new_appointment(slot_id)
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


MALFORMED = [
    ({"resourceType": "Patient"}, "resourceType"),
    ("not an object", "resourceType"),
    ([], "resourceType"),
    ({"status": "proposed"}, "Appointment.status"),
    ({"status": None}, "Appointment.status"),
    ({"slot": None}, "Appointment.slot"),
    ({"slot": []}, "Appointment.slot"),
    ({"slot": [{"reference": "Slot/1"}, {"reference": "Slot/2"}]}, "Appointment.slot"),
    ({"slot": [{"reference": "Schedule/1"}]}, "Appointment.slot[0].reference"),
    ({"slot": [{"reference": "Slot/" + "9" * 30}]}, "Appointment.slot[0].reference"),
    ({"slot": ["Slot/1"]}, "Appointment.slot"),
    ({"participant": None}, "Appointment.participant"),
    ({"participant": []}, "Appointment.participant"),
    ({"participant": [{"actor": {"reference": "Practitioner/1"}}]}, "Appointment.participant"),
    ({"participant": [{"actor": {"reference": "#nobody"}}]},
     "Appointment.participant[0].actor.reference"),
    ({"participant": [{"actor": {"reference": "#p"}}, {"actor": {"reference": "Patient/1"}}]},
     "Appointment.participant"),
    ({"participant": [{"actor": {"reference": "Patient/x"}}]},
     "Appointment.participant[0].actor.reference"),
    ({"participant": [{"actor": {"reference": "Patient/99"}}]},
     "Appointment.participant[0].actor.reference"),
    ({"contained": {"resourceType": "Patient"}}, "Appointment.contained"),
    ({"comment": 7}, "Appointment.comment"),
    ({"comment": "长" * 2001}, "Appointment.comment"),
]


@pytest.mark.parametrize("change, expression", MALFORMED)
def test_malformed_appointments_are_422_outcomes_naming_the_element(his, slots, change,
                                                                    expression) -> None:
    body = appointment_with(slots[0], **change) if isinstance(change, dict) \
        and "resourceType" not in change else change
    refused(his.book(body), 422, None, expression)


def test_an_unknown_slot_is_the_bodys_fault(his) -> None:
    refused(his.book(new_appointment(4242)), 422, None, "Appointment.slot[0].reference")


def test_not_json_is_415_and_broken_json_400_as_outcomes(app, his) -> None:
    client = app.test_client()
    sent = client.post("/fhir/Appointment", data="status=booked", headers=his.header,
                       content_type="application/x-www-form-urlencoded")
    refused(sent, 415)
    broken = client.post("/fhir/Appointment", data="{", headers=his.header,
                         content_type=FHIR_JSON)
    refused(broken, 400)


def test_the_same_idempotency_key_gets_the_same_appointment_and_no_second(app, his,
                                                                          slots, inv) -> None:
    body = new_appointment(slots[0])
    first = booked(his.book(body, key="his-42"))
    again = his.book(body, key="his-42")
    assert booked(again).id == first.id
    assert again.get_json() == his.book(body, key="his-42").get_json()
    assert inv.counts(slots[0])[0] == 1
    assert len(events_of(app, "booking.appointment.booked")) == 1
    other = his.book(new_appointment(slots[1]), key="his-42")
    refused(other, 422)


def test_who_may_book_through_fhir(app, slots) -> None:
    for n, role in enumerate(("consultant", "frontdesk", "integration")):
        booked(System(app, role).book(new_appointment(slots[n], phone=PHONES[n])))
    for role in ("manager", "admin"):
        refused(System(app, role).book(new_appointment(slots[3])), 403)
    refused(app.test_client().post("/fhir/Appointment", json=new_appointment(slots[3])), 401)
    reading = System(app).client.get(f"/fhir/Slot/{slots[3]}", headers=bearer("integration"))
    assert reading.status_code == 200, "a hospital system reads what it books from"


# --- cancelling ---------------------------------------------------------------------------


@pytest.fixture
def made(his, slots) -> Appointment:
    return booked(his.book(new_appointment(slots[0])))


def test_a_patch_cancels_through_the_apis_cancel(app, his, made, inv, slots) -> None:
    answer = his.patch(int(made.id), [
        {"op": "test", "path": "/status", "value": "booked"},
        {"op": "replace", "path": "/status", "value": "cancelled"},
        {"op": "add", "path": "/cancelationReason",
         "value": {"coding": [{"system": HL7_REASON, "code": "pat"}], "text": "出差"}}])
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == FHIR_JSON
    cancelled = Appointment.model_validate(answer.get_json())
    assert cancelled.status == "cancelled"
    assert cancelled.cancelationReason.coding[0].code == "pat"
    assert inv.counts(slots[0])[0] == 0, "the place is given back"
    [event] = events_of(app, "booking.appointment.cancelled")
    assert event["cancellation"]["reason"] == "patient"
    assert event["cancellation"]["note"] == "出差"
    refused(his.patch(int(made.id), [{"op": "replace", "path": "/status",
                                      "value": "cancelled"}]), 409, "wrong_status")


@pytest.mark.parametrize("code, reason", [("prov", "hospital"), ("prov-pers",
                                                                 "expert_unavailable"),
                                          ("pat-mv", "patient"), ("prov-dch", "hospital")])
def test_a_put_of_the_resource_with_status_cancelled_cancels(app, his, made, code,
                                                             reason) -> None:
    sent = made.model_dump(mode="json", exclude_none=True)
    sent["status"] = "cancelled"
    sent["cancelationReason"] = {"coding": [{"system": HL7_REASON, "code": code}]}
    answer = his.put(int(made.id), sent)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert Appointment.model_validate(answer.get_json()).status == "cancelled"
    [event] = events_of(app, "booking.appointment.cancelled")
    assert event["cancellation"]["reason"] == reason


def put_of(made: Appointment, **changes: Any) -> dict[str, Any]:
    sent = made.model_dump(mode="json", exclude_none=True)
    sent.update(status="cancelled", **changes)
    return sent


@pytest.mark.parametrize("how", ["patch", "put"])
@pytest.mark.parametrize("change, expression", [
    ({"path": "/status", "value": "arrived"}, "Appointment.status"),
    ({"path": "/comment", "value": "x"}, "body[0].path"),
    ({"path": "/slot/0/reference", "value": "Slot/2"}, "body[0].path"),
    ({"op": "remove", "path": "/status"}, "body[0].op"),
])
def test_any_other_change_is_refused_saying_only_cancelling_is_supported(
        his, made, how, change, expression, slots) -> None:
    if how == "patch":
        answer = his.patch(int(made.id), [{"op": "replace", **change}])
    else:
        path, value = change["path"], change.get("value")
        sent = made.model_dump(mode="json", exclude_none=True)
        if path == "/status":
            sent["status"] = value
        elif path == "/comment":
            sent = put_of(made, start="2030-01-01T08:00:00+08:00")
            expression = "Appointment.start"
        elif path.startswith("/slot"):
            sent = put_of(made, slot=[{"reference": f"Slot/{slots[1]}"}])
            expression = "Appointment.slot"
        else:
            sent.pop("status")
        expression = "Appointment.status" if "status" not in sent or path == "/status" \
            else expression
    outcome = refused(answer if how == "patch" else his.put(int(made.id), sent), 422,
                      None, expression)
    assert "Only cancelling is supported" in outcome.issue[0].diagnostics


def test_cancel_refusals_and_bad_bodies(app, his, made, clock) -> None:
    url_id = int(made.id)
    refused(his.patch(url_id, {"op": "replace"}), 422, None, "body")
    refused(his.patch(url_id, [{"op": "replace", "path": "/status", "value": "cancelled"},
                               {"op": "add", "path": "/cancelationReason",
                                "value": {"coding": [{"system": HL7_REASON,
                                                      "code": "oth-weath"}]}}]),
            422, None, "Appointment.cancelationReason.coding")
    refused(his.put(url_id, put_of(made, id="999")), 422, None, "Appointment.id")
    refused(his.put(url_id, put_of(made, participant=[
        {"actor": {"reference": "Patient/999"}}])), 422, None, "Appointment.participant")
    sent = app.test_client().patch(f"/fhir/Appointment/{url_id}", json=[
        {"op": "replace", "path": "/status", "value": "cancelled"}], headers=his.header)
    refused(sent, 415)
    refused(his.patch(4242, [{"op": "replace", "path": "/status", "value": "cancelled"}]),
            404)
    refused(his.put(4242, {**put_of(made), "id": "4242"}), 404)
    clock.set(datetime.combine(tomorrow(), time(8, 1), tzinfo=SHANGHAI))
    refused(his.patch(url_id, [{"op": "replace", "path": "/status", "value": "cancelled"}]),
            409, "visit_started")


def test_the_capability_statement_lists_the_writes(app) -> None:
    statement = CapabilityStatement.model_validate(app.test_client().get("/fhir/metadata")
                                                   .get_json())
    [appointment] = [r for r in statement.rest[0].resource if r.type == "Appointment"]
    assert {"create", "update", "patch"} <= {i.code for i in appointment.interaction}


def test_the_cancel_reason_table_reads_a_copy_not_the_sender(his, made) -> None:
    """The PUT body is read, never changed: the same body twice is the same request."""
    sent = put_of(made, cancelationReason={"coding": [{"system": HL7_REASON, "code": "pat"}]})
    kept = copy.deepcopy(sent)
    assert his.put(int(made.id), sent).status_code == 200
    assert sent == kept


def test_staff_clients_are_unchanged_by_fhir(app: Flask, slots) -> None:
    """A booking by the API still says its own channel, not fhir."""
    answer = Staff(app, bearer("consultant", "li")).book(slots[0])
    assert answer.status_code == 201 and answer.json["channel"] == "chat"


def test_a_hospital_system_reads_the_patient_it_booked_in_full_and_it_is_logged(
        app, his, made) -> None:
    """SPEC §13: the integration role reads a patient's contact; each read is in the
    access log as ``fhir`` under the system's account."""
    from services.booking.models import AccessRecord

    pid = int(made.participant[0].actor.reference.split("/")[1])
    patient = his.client.get(f"/fhir/Patient/{pid}", headers=his.header)
    assert patient.status_code == 200, patient.get_data(as_text=True)
    assert patient.get_json()["telecom"][0]["value"] == "+86" + PHONES[0]
    with app.extensions["clinic"].db.reading() as session:
        logged = [(r.staff, r.patient_id, r.detail) for r in session.scalars(
            select(AccessRecord).where(AccessRecord.action == "fhir"))]
    assert logged == [("his", pid, "Patient read")]
