"""/fhir's frame: the CapabilityStatement, and every error as an OperationOutcome, wherever
it is raised (the input guard, routing, a view)."""

from __future__ import annotations

from flask import Flask

from services.booking.api.fhir import outcome_of_problem
from tests.support.booking import bearer
from tests.support.fhir import FHIR_JSON, outcome, resource


def test_metadata_is_a_capability_statement_of_fhir_4_0_1(app: Flask) -> None:
    statement = resource(app.test_client().get("/fhir/metadata"), "CapabilityStatement")
    assert statement["fhirVersion"] == "4.0.1"
    assert FHIR_JSON in statement["format"]


def test_an_unknown_route_inside_fhir_is_a_not_found_outcome(app: Flask) -> None:
    outcome(app.test_client().get("/fhir/Nothing/1", headers=bearer("frontdesk")), 404,
            "not-found")


def test_a_method_not_served_is_a_not_supported_outcome_with_allow(app: Flask) -> None:
    answer = app.test_client().delete("/fhir/metadata")
    outcome(answer, 405, "not-supported")
    assert "GET" in answer.headers["Allow"]


def test_unstorable_input_is_an_invalid_outcome_naming_the_parameter(app: Flask) -> None:
    body = outcome(app.test_client().get("/fhir/metadata?x=%00"), 422, "invalid")
    assert body["issue"][0]["expression"] == ["x"]


def test_a_refusal_keeps_its_code_and_its_field() -> None:
    body = outcome_of_problem({"detail": "This slot is full.", "code": "slot_full",
                               "errors": {"json": {"patient": {"phone": ["bad"]}}}}, 409)
    issue = body["issue"][0]
    assert (issue["code"], issue["diagnostics"], issue["expression"]) == (
        "conflict", "This slot is full.", ["patient.phone"])
    assert issue["details"]["coding"][0]["code"] == "slot_full"
    assert outcome_of_problem({"code": "duplicate"}, 409)["issue"][0]["code"] == "duplicate"
    assert outcome_of_problem({}, 415)["issue"][0]["code"] == "not-supported"
    assert outcome_of_problem({}, 429)["issue"][0]["code"] == "throttled"
    assert outcome_of_problem({}, 503)["issue"][0]["code"] == "transient"


def test_errors_outside_fhir_stay_problem_documents(app: Flask) -> None:
    answer = app.test_client().get("/api/v1/nothing")
    assert answer.status_code == 404
    assert answer.mimetype == "application/problem+json"
