"""/fhir's frame: the CapabilityStatement, and every error as an OperationOutcome."""

from __future__ import annotations

from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from flask import Flask

from tests.support.booking import bearer

FHIR_JSON = "application/fhir+json"


def test_metadata_is_a_capability_statement_of_fhir_4_0_1(app: Flask) -> None:
    answer = app.test_client().get("/fhir/metadata")
    assert answer.status_code == 200
    assert answer.mimetype == FHIR_JSON
    statement = CapabilityStatement.model_validate(answer.get_json())
    assert statement.fhirVersion == "4.0.1"


def outcome(answer, status: int, issue: str) -> OperationOutcome:  # type: ignore[no-untyped-def]
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.mimetype == FHIR_JSON
    parsed = OperationOutcome.model_validate(answer.get_json())
    assert parsed.issue[0].code == issue
    assert "Traceback" not in answer.get_data(as_text=True)
    return parsed


def test_an_unknown_route_inside_fhir_is_a_not_found_outcome(app: Flask) -> None:
    outcome(app.test_client().get("/fhir/Nothing/1", headers=bearer("frontdesk")), 404,
            "not-found")


def test_a_method_not_served_is_a_not_supported_outcome_with_allow(app: Flask) -> None:
    answer = app.test_client().delete("/fhir/metadata")
    outcome(answer, 405, "not-supported")
    assert "GET" in answer.headers["Allow"]


def test_unstorable_input_is_an_invalid_outcome(app: Flask) -> None:
    outcome(app.test_client().get("/fhir/metadata?x=%00"), 422, "invalid")


def test_errors_outside_fhir_stay_problem_documents(app: Flask) -> None:
    answer = app.test_client().get("/api/v1/nothing")
    assert answer.status_code == 404
    assert answer.mimetype == "application/problem+json"
