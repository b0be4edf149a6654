"""Reading /fhir's answers in tests: every resource parsed and validated with the
``fhir.resources`` R4B models (what the service returned, never a fixture)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fhir.resources.R4B import get_fhir_model_class

FHIR_JSON = "application/fhir+json"


def valid(body: dict[str, Any], kind: str) -> dict[str, Any]:
    """``body`` parsed by the R4B model of ``kind`` (it raises on any invalid element)."""
    assert body.get("resourceType") == kind, body
    get_fhir_model_class(kind).model_validate(body)
    return body


def resource(answer: Any, kind: str, status: int = 200) -> dict[str, Any]:
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.mimetype == FHIR_JSON
    return valid(answer.get_json(), kind)


def searchset(answer: Any, kind: str) -> dict[str, Any]:
    """A searchset Bundle, and each entry's resource validated as ``kind``."""
    bundle = resource(answer, "Bundle")
    assert bundle["type"] == "searchset" and isinstance(bundle["total"], int)
    assert bundle["link"][0]["relation"] == "self"
    for entry in bundle.get("entry", []):
        valid(entry["resource"], kind)
        assert entry["fullUrl"].endswith(f"/fhir/{kind}/{entry['resource']['id']}")
    return bundle


def found(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry["resource"] for entry in bundle.get("entry", [])]


def next_link(bundle: dict[str, Any]) -> str | None:
    """The ``next`` link as a path the test client can open."""
    for link in bundle["link"]:
        if link["relation"] == "next":
            parts = urlsplit(link["url"])
            return f"{parts.path}?{parts.query}"
    return None


def outcome(answer: Any, status: int, issue: str) -> dict[str, Any]:
    """An error answered as a valid OperationOutcome of issue type ``issue``, no trace."""
    body = resource(answer, "OperationOutcome", status)
    assert body["issue"][0]["code"] == issue, body
    assert "Traceback" not in answer.get_data(as_text=True)
    return body


def extension(resource_: dict[str, Any], url: str) -> Any:
    values = [e for e in resource_.get("extension", []) if e["url"] == url]
    assert len(values) == 1, resource_
    return values[0]
