"""A hospital system's FHIR writes read into booking's terms, as plain Python: the edges
of each reading (``services/booking/domain/fhir_booking.py``) that a mutant changed
unnoticed. Each refusal is :class:`Invalid` naming the FHIR element at fault, in words.

Written for the mutants `make mutate` found surviving (docs/mutation.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from services.booking.domain.fhir import CANCEL_REASON_SYSTEM, HL7_CANCEL_REASON
from services.booking.domain.fhir_booking import (
    EMAIL_CONSENT_URL,
    ID_CARD_SYSTEM,
    MAX_ID,
    SATISFACTION_CONSENT_URL,
    SMS_CONSENT_URL,
    FhirBooking,
    FhirCancel,
    booking_of,
    cancel_of_patch,
    cancel_of_put,
    coded_reason,
    contained_patient,
    name_of,
    patient_of,
    reason_of,
    refuse_other_changes,
    slot_of,
)
from services.booking.domain.statuses import CancelReason
from services.common.refusals import Invalid

AT = "Appointment.contained[0]"
PHONE = {"system": "phone", "value": "13800138000"}


def refusal(call: Callable[..., Any], *args: Any) -> Invalid:
    """The :class:`Invalid` ``call(*args)`` raises; it says why in words of its own."""
    with pytest.raises(Invalid) as caught:
        call(*args)
    refused = caught.value
    assert refused.code == "invalid"
    assert refused.message.endswith(".") and refused.message != refused.code, refused.message
    return refused


def appointment(patient: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    """A new Appointment as a hospital system sends it, its patient contained as ``#p``."""
    body: dict[str, Any] = {
        "resourceType": "Appointment", "status": "booked",
        "slot": [{"reference": "Slot/7"}],
        "contained": [{"resourceType": "Patient", "id": "p", "name": [{"text": "张三"}],
                       "telecom": [PHONE], **(patient or {})}],
        "participant": [{"actor": {"reference": "#p"}}],
    }
    body.update(changes)
    return body


def patient(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": "p", "name": [{"text": "张三"}],
            "telecom": [PHONE], **fields}


# --- booking: the slot ----------------------------------------------------------------------


def test_the_largest_slot_id_is_read_and_one_more_is_refused() -> None:
    assert slot_of({"slot": [{"reference": f"Slot/{MAX_ID}"}]}) == MAX_ID
    over = refusal(slot_of, {"slot": [{"reference": f"Slot/{MAX_ID + 1}"}]})
    assert over.field == "Appointment.slot[0].reference"


def test_slots_that_are_not_one_reference_are_refused_in_words() -> None:
    for slots in (None, [], ["Slot/1"], [{"reference": "Slot/1"}, {"reference": "Slot/2"}]):
        assert refusal(slot_of, {"slot": slots}).field == "Appointment.slot"
    for slot in ({}, {"reference": "Slot/0"}, {"reference": "Schedule/1"}):
        assert refusal(slot_of, {"slot": [slot]}).field == "Appointment.slot[0].reference"


# --- booking: the patient participant -------------------------------------------------------


def test_a_known_patient_up_to_the_largest_id_is_read_by_reference() -> None:
    at = "Appointment.participant[0].actor.reference"
    resource = {"participant": [{"actor": {"reference": f"Patient/{MAX_ID}"}}]}
    assert patient_of(resource) == ({"id": MAX_ID}, {"patient.id": at})
    over = {"participant": [{"actor": {"reference": f"Patient/{MAX_ID + 1}"}}]}
    assert refusal(patient_of, over).field == at
    assert refusal(patient_of, {"participant": [{"actor": {"reference": "Patient/x"}}]}
                   ).field == at


def test_participants_that_are_not_dicts_or_have_no_reference_are_skipped() -> None:
    resource = {"participant": [
        "Patient/3", None, {"actor": "Patient/4"}, {"actor": None}, {"actor": {}},
        {"actor": {"display": "李医生"}}, {"actor": {"reference": "Practitioner/1"}},
        {"actor": {"reference": "Patient/5"}}]}
    assert patient_of(resource) == (
        {"id": 5}, {"patient.id": "Appointment.participant[7].actor.reference"})


def test_contained_resources_without_a_text_id_are_not_referable() -> None:
    body = appointment(contained=["Patient", None, {"resourceType": "Patient"},
                                  {"resourceType": "Patient", "id": 5},
                                  patient()])
    fields, where = patient_of(body)
    assert fields == {"name": "张三", "phone": "13800138000"}
    assert where["patient.name"] == "Appointment.contained[4].name"
    lost = refusal(patient_of, appointment(participant=[{"actor": {"reference": "#5"}}],
                                           contained=[{"resourceType": "Patient", "id": 5}]))
    assert lost.field == "Appointment.participant[0].actor.reference"


def test_participants_that_name_no_one_patient_are_refused_in_words() -> None:
    assert refusal(patient_of, {"participant": None}).field == "Appointment.participant"
    assert refusal(patient_of, {"participant": []}).field == "Appointment.participant"
    missing = refusal(patient_of, appointment(participant=[{"actor": {"reference": "#q"}}]))
    assert missing.field == "Appointment.participant[0].actor.reference"
    assert refusal(patient_of, appointment(contained={})).field == "Appointment.contained"


# --- booking: a contained patient -----------------------------------------------------------


def test_a_contained_patient_is_read_in_full_and_each_field_says_where_it_came_from() -> None:
    read = patient(
        telecom=[{"system": "email", "value": ""}, {"system": "email", "value": "z@b.cn"},
                 {"system": "fax", "value": "010-1"}, {"system": "sms", "value": "139"},
                 {"system": "phone", "value": "138"}],
        birthDate="1980-05-04", gender="other",
        identifier=[{"system": "urn:other", "value": "X1"}, "110105",
                    {"system": ID_CARD_SYSTEM, "value": "110105198005040028"}],
        extension=[{"url": SMS_CONSENT_URL, "valueBoolean": True}, "x",
                   {"url": EMAIL_CONSENT_URL, "valueBoolean": False},
                   {"url": SATISFACTION_CONSENT_URL, "valueBoolean": True},
                   {"url": "urn:other", "valueBoolean": True}])
    assert contained_patient(read, AT) == (
        {"name": "张三", "phone": "139", "email": "z@b.cn", "birth_date": "1980-05-04",
         "sex": "unknown", "id_number": "110105198005040028", "sms_consent": True,
         "email_consent": False, "satisfaction_consent": True},
        {"patient.name": f"{AT}.name", "patient.phone": f"{AT}.telecom",
         "patient.email": f"{AT}.telecom", "patient.birth_date": f"{AT}.birthDate",
         "patient.sex": f"{AT}.gender", "patient.id_number": f"{AT}.identifier",
         "patient.sms_consent": f"{AT}.extension", "patient.email_consent": f"{AT}.extension",
         "patient.satisfaction_consent": f"{AT}.extension"})


def test_a_patient_without_email_or_an_id_card_gets_neither() -> None:
    fields, _ = contained_patient(patient(
        identifier=[{"system": "urn:other", "value": "X1"}], gender="female"), AT)
    assert fields == {"name": "张三", "phone": "13800138000", "sex": "female"}


def test_an_sms_number_is_the_patients_phone() -> None:
    fields, _ = contained_patient(patient(telecom=[{"system": "sms", "value": "139"}]), AT)
    assert fields["phone"] == "139"


@pytest.mark.parametrize("element", ["name", "telecom", "identifier", "extension"])
def test_a_patients_element_that_is_not_a_list_is_refused_naming_it(element: str) -> None:
    refused = refusal(contained_patient, patient(**{element: {"text": "张三"}}), AT)
    assert refused.field == f"{AT}.{element}"


def test_a_patient_without_a_phone_or_with_an_odd_gender_is_refused_in_words() -> None:
    no_phone = patient(telecom=[{"system": "email", "value": "z@b.cn"},
                                {"system": "phone", "value": ""}])
    assert refusal(contained_patient, no_phone, AT).field == f"{AT}.telecom"
    for gender in ("robot", 1, None):
        assert refusal(contained_patient, patient(gender=gender), AT).field == f"{AT}.gender"


# --- booking: the patient's name ------------------------------------------------------------


@pytest.mark.parametrize("names, said", [
    (["张三", {"text": "李四"}], "李四"),
    ([{"text": " "}, {"family": "Smith", "given": ["John", "Paul"]}], "John Paul Smith"),
    ([{"family": "Smith"}], "Smith"),
    ([{"given": ["John"]}], "John"),
    ([{"family": "Smith", "given": "John"}], "Smith"),
    ([{"family": "Smith", "given": ["John", 7, None]}], "John Smith"),
    ([{"family": "张", "given": ["三", "丰"]}], "张三丰"),
    ([{"family": 7, "given": ["三"]}], "三"),
    ([{}, {"family": "", "given": []}, {"family": "Lee"}], "Lee"),
])
def test_the_first_name_given_is_read_by_its_parts(names: list[Any], said: str) -> None:
    assert name_of({"name": names}, AT) == said


def test_no_name_at_all_is_refused_in_words() -> None:
    for names in ([], [{"text": ""}, "张三", {"given": [None], "family": None}]):
        assert refusal(name_of, {"name": names}, AT).field == f"{AT}.name"
    assert refusal(name_of, {"name": "张三"}, AT).field == f"{AT}.name"


# --- booking: the whole request -------------------------------------------------------------


def test_a_new_appointment_is_read_as_a_booking() -> None:
    body = appointment(comment="胸闷两周")
    assert booking_of(body) == FhirBooking(
        slot_id=7, patient={"name": "张三", "phone": "13800138000"}, complaint="胸闷两周",
        where=contained_patient(patient(), AT)[1])
    assert booking_of(appointment(comment="长" * 2000)).complaint == "长" * 2000
    assert refusal(booking_of, appointment(comment="长" * 2001)).field == "Appointment.comment"
    assert booking_of(appointment()).complaint == ""


@pytest.mark.parametrize("body, field", [
    ("Appointment", "resourceType"),
    ({"resourceType": "Patient"}, "resourceType"),
    (appointment(status="proposed"), "Appointment.status"),
    (appointment(comment=7), "Appointment.comment"),
    (appointment(participant=[{"actor": {"reference": "Practitioner/1"}}]),
     "Appointment.participant"),
])
def test_a_body_that_is_no_new_appointment_is_refused_naming_it(body: Any, field: str) -> None:
    assert refusal(booking_of, body).field == field


# --- cancelling -----------------------------------------------------------------------------


def test_a_put_without_an_id_is_the_urls_appointment() -> None:
    body = {"resourceType": "Appointment", "status": "cancelled"}
    assert cancel_of_put(body, 5) == FhirCancel(CancelReason.PATIENT)
    assert cancel_of_put({**body, "id": "5"}, 5) == FhirCancel(CancelReason.PATIENT)
    assert refusal(cancel_of_put, {**body, "id": "6"}, 5).field == "Appointment.id"
    assert refusal(cancel_of_put, {**body, "status": "booked"}, 5).field == "Appointment.status"


def test_a_patch_may_test_anything_and_a_test_changes_nothing() -> None:
    cancel = {"op": "replace", "path": "/status", "value": "cancelled"}
    assert cancel_of_patch([cancel, {"op": "test", "path": "/status", "value": "booked"},
                            {"op": "test", "path": "/comment", "value": "x"}]) == FhirCancel(
        CancelReason.PATIENT)
    assert refusal(cancel_of_patch, {"op": "replace"}).field == "body"
    assert refusal(cancel_of_patch, []).field == "body"
    assert refusal(cancel_of_patch, [{"op": "TEST", "path": "/status"}]).field == "body[0].op"


def test_booking_own_reason_codes_are_read_and_others_of_its_system_are_not() -> None:
    ours = {"system": CANCEL_REASON_SYSTEM, "code": "expert_unavailable"}
    assert coded_reason(ours) == CancelReason.EXPERT_UNAVAILABLE
    assert coded_reason({**ours, "code": "hospital"}) == CancelReason.HOSPITAL
    assert coded_reason({**ours, "code": "bogus"}) is None
    assert coded_reason({**ours, "code": 3}) is None
    assert coded_reason({"code": "expert_unavailable"}) is None
    assert coded_reason({"system": HL7_CANCEL_REASON, "code": "prov-pers"}) == \
        CancelReason.EXPERT_UNAVAILABLE
    assert coded_reason({"system": HL7_CANCEL_REASON, "code": "pat-crs"}) == CancelReason.PATIENT
    assert coded_reason({"system": HL7_CANCEL_REASON, "code": "maint"}) is None
    assert reason_of({"coding": [{**ours, "code": "bogus"}, "pat", ours],
                      "text": "停诊"}) == FhirCancel(CancelReason.EXPERT_UNAVAILABLE, "停诊")


def test_a_reason_with_only_words_is_the_patients_with_its_note() -> None:
    assert reason_of(None) == FhirCancel(CancelReason.PATIENT)
    assert reason_of({"text": "出差"}) == FhirCancel(CancelReason.PATIENT, "出差")
    assert reason_of({"text": "出差", "coding": []}) == FhirCancel(CancelReason.PATIENT, "出差")
    assert reason_of({"text": ""}) == FhirCancel(CancelReason.PATIENT, None)
    assert reason_of({"text": "长" * 400}).note == "长" * 400


@pytest.mark.parametrize("concept, field", [
    ("pat", "Appointment.cancelationReason"),
    ({"text": 5}, "Appointment.cancelationReason"),
    ({"text": "长" * 401}, "Appointment.cancelationReason"),
    ({"coding": {"code": "pat"}}, "Appointment.cancelationReason"),
    ({"coding": ["pat"]}, "Appointment.cancelationReason.coding"),
    ({"coding": [{"system": HL7_CANCEL_REASON, "code": "oth-weath"}]},
     "Appointment.cancelationReason.coding"),
])
def test_a_reason_booking_cannot_read_is_refused_naming_it(concept: Any, field: str) -> None:
    assert refusal(reason_of, concept).field == field


# --- a PUT changes nothing but the status ---------------------------------------------------

STORED = {"slot": [{"reference": "Slot/7"}],
          "participant": [{"actor": {"reference": "Patient/3", "display": "张三"}},
                          {"actor": {"reference": "Practitioner/2"}}],
          "start": "2030-01-01T08:00:00+08:00", "end": "2030-01-01T08:15:00+08:00"}


def test_a_put_may_resend_what_is_stored_in_other_words() -> None:
    refuse_other_changes({
        "slot": {"reference": "Slot/7", "display": "上午"},
        "participant": [{"actor": {"reference": "Patient/3"}}],
        "start": "2030-01-01T00:00:00+00:00", "end": "2030-01-01T00:15:00Z"}, STORED)
    refuse_other_changes({"slot": [{"reference": "Slot/7", "display": "上午"}]}, STORED)


@pytest.mark.parametrize("sent, field", [
    ({"slot": [{"reference": "Slot/8"}]}, "Appointment.slot"),
    ({"slot": ["Slot/7"]}, "Appointment.slot"),
    ({"participant": [{"actor": {"reference": "Patient/4"}}]}, "Appointment.participant"),
    ({"participant": ["Patient/3"]}, "Appointment.participant"),
    ({"participant": [{"actor": "Patient/3"}]}, "Appointment.participant"),
    ({"start": "2030-01-01T09:00:00+08:00"}, "Appointment.start"),
    ({"end": "2030-01-01T08:30:00+08:00"}, "Appointment.end"),
    ({"end": "soon"}, "Appointment.end"),
])
def test_a_put_that_changes_more_is_refused_naming_what(sent: dict[str, Any],
                                                         field: str) -> None:
    assert refusal(refuse_other_changes, sent, STORED).field == field
