"""Every operation of every service, fuzzed from its OpenAPI document (schemathesis).

With a valid token holding every role, each operation gets generated requests,
valid and invalid. The answer must never be a 5xx and must match what the
document says: a documented status, content type and body. Not checked:
schemathesis's "schema-valid request accepted" (ST202), because our rules go
beyond what a schema can say (a phone number must exist, a query needs a
department or an expert), and those refusals are 4xx with a problem document.
"""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.common.auth import ROLES, issue_token
from services.common.config import DEFAULT_JWT_SECRET
from tests.conftest import SERVICES

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = 20

pytestmark = pytest.mark.slow


def with_data(name: str, app: Any) -> None:
    """Something for the fuzzer to find: the demo hospital, or booked slots."""
    if name == "schedule":
        from services.schedule.demo import load_demo

        load_demo(app.extensions["clinic"])
    if name == "booking":
        from tests.booking.conftest import Inventory, tomorrow

        Inventory(app).session(tomorrow(), time(9), count=4, capacity=3)


def fuzz(operation: Any, headers: dict[str, str]) -> list[str]:
    problems: list[str] = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except BaseException as exc:
        problems.append(f"{operation.label}: {exc}"[:1500])
    return problems


@pytest.mark.parametrize("name", SERVICES)
def test_no_operation_answers_5xx_or_off_its_document(name: str, make_app) -> None:
    app = make_app(name)
    with_data(name, app)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    token = issue_token(DEFAULT_JWT_SECRET, "fuzzer", ROLES, ttl_seconds=3600)
    headers = {"Authorization": f"Bearer {token}"}
    problems: list[str] = []
    for result in schema.get_all_operations():
        problems += fuzz(result.ok(), headers)
    assert not problems, "\n\n".join(problems)
