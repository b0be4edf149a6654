"""Booking's HL7 FHIR R4 interface under ``/fhir`` (SPEC §13, docs/fhir.md).

One plain Flask blueprint (FHIR is not part of the OpenAPI document): answers are
``application/fhir+json``, and every error inside ``/fhir`` — a refusal, an HTTP error
raised by a view, the input guard, a route or method that does not exist, an unexpected
exception — leaves as an ``OperationOutcome``. The app answers errors as problem
documents once (``services/common/problems.py``); :func:`as_operation_outcome` turns
those answers into FHIR's on the way out, so there is one error path, not two.

Who may call: the same staff tokens and roles as the API. The role lists are the
constants below, so a role added for FHIR is added in one place.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request

from services.common.problems import PROBLEM_JSON
from services.common.web import runtime

from ...domain.fhir import FHIR_VERSION, REFUSAL_SYSTEM, operation_outcome
from ...domain.privacy import CONTACT_ROLES

FHIR_JSON = "application/fhir+json"
PREFIX = "/fhir"

#: Who may read the scheduling resources (and patients, masked unless in FHIR_CONTACT).
FHIR_READERS: tuple[str, ...] = ("admin", "consultant", "frontdesk", "manager", "integration")
#: Who gets a patient's full telecom (each such read is in the access log as ``fhir``).
FHIR_CONTACT: tuple[str, ...] = (*sorted(CONTACT_ROLES), "integration")

blp = Blueprint("fhir", __name__, url_prefix=PREFIX)


def fhir_response(resource: dict[str, Any], status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    """A FHIR resource as the answer, ``application/fhir+json``."""
    response = Response(json.dumps(resource, ensure_ascii=False), status=status,
                        mimetype=FHIR_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


#: An error's status as FHIR's issue type (http://hl7.org/fhir/R4/valueset-issue-type.html).
ISSUE_TYPE = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found",
              405: "not-supported", 406: "not-supported", 409: "conflict", 410: "deleted",
              412: "conflict", 413: "too-long", 415: "not-supported", 422: "invalid",
              429: "throttled", 503: "transient"}


def issue_type(status: int, code: str | None = None) -> str:
    """The issue type of an error: by its status, except a duplicate booking's refusal
    (``duplicate``); a server error is ``exception``."""
    if status == 409 and code == "duplicate":
        return "duplicate"
    if status >= 500 and status != 503:
        return "exception"
    return ISSUE_TYPE.get(status, "processing")


def fields_at_fault(errors: Any) -> list[str]:
    """The fields a problem's ``errors`` names (``{"query": {"start": [...]}}``), as
    FHIR expressions (``start``; nested names dotted)."""
    found: list[str] = []

    def walk(tree: Any, path: str) -> None:
        if isinstance(tree, dict):
            for key, value in tree.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif path:
            found.append(path)

    if isinstance(errors, dict):
        for location in errors.values():
            walk(location, "")
    return found


def outcome_of_problem(body: dict[str, Any], status: int) -> dict[str, Any]:
    """A problem document's content as an ``OperationOutcome``: its words as diagnostics,
    the field at fault as expression, the rule's code (``slot_full``) as details."""
    code = body.get("code") if isinstance(body.get("code"), str) else None
    diagnostics = str(body.get("detail") or body.get("title") or "The request failed.")
    fields = fields_at_fault(body.get("errors"))
    outcome = operation_outcome("error" if status < 500 else "fatal", issue_type(status, code),
                                diagnostics, fields[0] if fields else None)
    issue = outcome["issue"][0]
    if len(fields) > 1:
        issue["expression"] = fields
    if code:
        issue["details"] = {"coding": [{"system": REFUSAL_SYSTEM, "code": code}]}
    return outcome


def in_fhir() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


@blp.after_app_request
def as_operation_outcome(response: Response) -> Response:
    """Inside ``/fhir``, an error answered as a problem document leaves as an
    ``OperationOutcome`` with the same status and headers (``WWW-Authenticate``,
    ``Allow``, ``Retry-After``)."""
    if not in_fhir() or response.mimetype != PROBLEM_JSON:
        return response
    try:
        body = json.loads(response.get_data())
    except ValueError:
        body = {}
    outcome = outcome_of_problem(body if isinstance(body, dict) else {}, response.status_code)
    response.set_data(json.dumps(outcome, ensure_ascii=False))
    response.mimetype = FHIR_JSON
    return response


#: What the CapabilityStatement lists: resource type → (interactions, search parameters as
#: (name, type, documentation)). The write side adds its interactions to the same table.
CAPABILITIES: dict[str, tuple[list[str], list[tuple[str, str, str]]]] = {}


def serves(kind: str, interactions: list[str],
           params: list[tuple[str, str, str]] | None = None) -> None:
    """Declare what ``/fhir`` serves of ``kind``: the statement is built from these."""
    have, have_params = CAPABILITIES.setdefault(kind, ([], []))
    have.extend(i for i in interactions if i not in have)
    have_params.extend(p for p in params or [] if p not in have_params)


def capability_statement(base: str, date: str) -> dict[str, Any]:
    """``/fhir/metadata``: exactly what the table above lists."""
    resources = []
    for kind, (interactions, params) in sorted(CAPABILITIES.items()):
        entry: dict[str, Any] = {"type": kind,
                                 "interaction": [{"code": i} for i in interactions]}
        if params:
            entry["searchParam"] = [{"name": n, "type": t, "documentation": d}
                                    for n, t, d in params]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "kind": "instance",
        "software": {"name": "clinic booking"},
        "implementation": {"description": "clinic's booking service", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["json", FHIR_JSON],
        "rest": [{
            "mode": "server",
            "security": {"description": "A staff bearer token (POST /api/v1/auth/token on "
                                        "schedule), as for the API."},
            "resource": resources,
        }],
    }


def base_url() -> str:
    """This server's FHIR base as the client reached it (for ``fullUrl`` and links)."""
    return request.host_url.rstrip("/") + PREFIX


@blp.get("/metadata")
def metadata() -> Response:
    """The CapabilityStatement; public, as FHIR clients read it before signing in."""
    return fhir_response(capability_statement(base_url(), runtime().now().date().isoformat()))


from . import reads  # noqa: E402,F401  (registers the read and search routes)
from .writes import FHIR_BOOKERS  # noqa: E402,F401  (registers booking and cancelling)
