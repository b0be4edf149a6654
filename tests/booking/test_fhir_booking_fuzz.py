"""Bad input to ``/fhir``'s writes is never a 500 (SPEC §11, §13): any JSON, and a good
Appointment or cancellation with one element replaced by anything, is answered — booked,
cancelled or refused as an OperationOutcome — and never crashes."""

from __future__ import annotations

import contextlib
from datetime import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.booking.test_fhir_booking import FHIR_JSON, JSON_PATCH, new_appointment
from tests.support.booking import Inventory, bearer, tomorrow
from tests.support.depth import examples

pytestmark = pytest.mark.slow

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=12) | st.sampled_from(["Slot/1", "Patient/1", "#p", "booked",
                                              "cancelled", "Appointment", "Patient"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=12)
#: The elements a hospital system fills in, each of which may arrive as anything.
PATHS = [("resourceType",), ("status",), ("slot",), ("slot", 0), ("slot", 0, "reference"),
         ("participant",), ("participant", 0, "actor"), ("participant", 0, "actor",
                                                         "reference"),
         ("contained",), ("contained", 0, "resourceType"), ("contained", 0, "id"),
         ("contained", 0, "name"), ("contained", 0, "name", 0, "text"),
         ("contained", 0, "telecom"), ("contained", 0, "telecom", 0, "value"),
         ("contained", 0, "birthDate"), ("contained", 0, "gender"),
         ("contained", 0, "identifier"), ("contained", 0, "extension", 0, "valueBoolean"),
         ("comment",), ("cancelationReason",), ("id",), ("start",)]
SETTINGS = settings(max_examples=examples(everyday=40, deep=120), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def replaced(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    """``body`` with the element at ``path`` set to ``value`` (where the path exists)."""
    here = body
    for step in path[:-1]:
        try:
            here = here[step]
        except (KeyError, IndexError, TypeError):
            return body
    with contextlib.suppress(IndexError, TypeError):
        here[path[-1]] = value
    return body


def answered_well(answer: Any) -> None:
    text = answer.get_data(as_text=True)
    assert answer.status_code < 500, text
    assert answer.mimetype == FHIR_JSON and "Traceback" not in text
    if answer.status_code >= 400:
        assert answer.get_json()["resourceType"] == "OperationOutcome"


@pytest.fixture
def world(app) -> dict[str, Any]:
    slot_id = Inventory(app).session(tomorrow(), time(8), count=1, capacity=500)[0]
    client = app.test_client()
    header = bearer("integration", "his")
    made = client.post("/fhir/Appointment", json=new_appointment(slot_id), headers=header,
                       content_type=FHIR_JSON)
    assert made.status_code == 201
    return {"client": client, "header": header, "slot_id": slot_id, "id": made.get_json()["id"],
            "resource": made.get_json()}


@SETTINGS
@given(body=JSON)
def test_any_json_to_any_write_is_answered_never_a_500(world, body) -> None:
    client, header, url = world["client"], world["header"], f"/fhir/Appointment/{world['id']}"
    answered_well(client.post("/fhir/Appointment", json=body, headers=header,
                              content_type=FHIR_JSON))
    answered_well(client.put(url, json=body, headers=header, content_type=FHIR_JSON))
    answered_well(client.patch(url, json=body, headers=header, content_type=JSON_PATCH))


@SETTINGS
@given(path=st.sampled_from(PATHS), value=JSON, phone=st.integers(0, 10**8 - 1))
def test_a_good_booking_with_one_element_spoiled_is_answered(world, path, value,
                                                             phone) -> None:
    body = replaced(new_appointment(world["slot_id"], phone=f"139{phone:08d}"), path, value)
    answered_well(world["client"].post("/fhir/Appointment", json=body, headers=world["header"],
                                       content_type=FHIR_JSON))


@SETTINGS
@given(path=st.sampled_from(PATHS), value=JSON, op=st.sampled_from(["add", "replace", "test",
                                                                    "remove", "move", 7]))
def test_a_cancel_with_one_element_spoiled_is_answered(world, path, value, op) -> None:
    client, header, url = world["client"], world["header"], f"/fhir/Appointment/{world['id']}"
    sent = replaced({**world["resource"], "status": "cancelled"}, path, value)
    answered_well(client.put(url, json=sent, headers=header, content_type=FHIR_JSON))
    patch = [{"op": op, "path": "/" + "/".join(map(str, path)), "value": value}]
    answered_well(client.patch(url, json=patch, headers=header, content_type=JSON_PATCH))
