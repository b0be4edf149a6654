"""The satisfaction call-back consent (SPEC §15): off unless given at booking, kept on the
patient's record, carried on booking's events for followup, shown to the desk, withdrawn
by updating the record; also given by a hospital system as a FHIR extension."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from services.booking.domain.fhir_booking import SATISFACTION_CONSENT_URL
from services.booking.models import Patient
from tests.booking.test_fhir_booking import System, new_appointment
from tests.booking.test_patients import access, book, patient
from tests.support.booking import PHONES, events_of, tomorrow


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app(request: pytest.FixtureRequest, make_app):
    if request.param == "sqlite":
        return make_app("booking")
    return make_app("booking", database_url=request.getfixturevalue("pg_url"))


def stored(app, patient_id: int) -> bool:
    with app.extensions["clinic"].db.reading() as session:
        return session.get(Patient, patient_id).satisfaction_consent


def test_off_unless_given(app, inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    answer = book(consultant, slot_id, patient("王五"))
    assert answer.status_code == 201
    assert answer.json["patient"]["satisfaction_consent"] is False
    assert events_of(app, "booking.appointment.booked")[-1]["patient"][
        "satisfaction_consent"] is False


def test_given_at_booking_kept_shown_and_carried(app, inv, consultant, staff) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    answer = book(consultant, slot_id, patient("陈晓", satisfaction_consent=True))
    assert answer.status_code == 201, answer.json
    patient_id = answer.json["patient"]["id"]
    assert stored(app, patient_id) is True
    assert events_of(app, "booking.appointment.booked")[-1]["patient"][
        "satisfaction_consent"] is True
    shown = consultant.get(f"/api/v1/appointments/{answer.json['id']}").json
    assert shown["patient"]["satisfaction_consent"] is True, "the console's panel says so"
    assert consultant.get(f"/api/v1/patients/{patient_id}").json["satisfaction_consent"] is True
    exported = staff("admin", "root").get(f"/api/v1/patients/{patient_id}/export").json
    assert exported["patient"]["satisfaction_consent"] is True


def test_withdrawn_by_updating_the_record(app, inv, consultant) -> None:
    slots = inv.session(tomorrow(), time(8), count=1)
    later = inv.session(tomorrow() + timedelta(days=2), time(8), count=1)
    first = book(consultant, slots[0], patient("陈晓", satisfaction_consent=True))
    patient_id = first.json["patient"]["id"]
    again = book(consultant, later[0], {"id": patient_id, "satisfaction_consent": False})
    assert again.status_code == 201, again.json
    assert stored(app, patient_id) is False
    assert events_of(app, "booking.appointment.booked")[-1]["patient"][
        "satisfaction_consent"] is False, "followup learns of the withdrawal"
    assert ("li", "update_patient", patient_id) in access(app)


def test_a_hospital_system_gives_it_as_an_extension(app, inv) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    body = new_appointment(slot_id, PHONES[1])
    body["contained"][0]["extension"].append({"url": SATISFACTION_CONSENT_URL,
                                              "valueBoolean": True})
    answer = System(app).book(body)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert events_of(app, "booking.appointment.booked")[-1]["patient"][
        "satisfaction_consent"] is True
