"""Errors as ``application/problem+json`` (RFC 9457), with field errors, never a trace."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, json, request
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException, InternalServerError

from . import metrics
from .db import is_transient
from .refusals import Kind, Refusal

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
#: Members a view may add to a problem through ``abort(..., existing=...)``.
EXTRA_MEMBERS = ("code", "existing")


class ProblemSchema(Schema):
    """The body of every error response."""

    type = fields.String(metadata={"description": "A URI naming the kind of problem."})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.Dict(metadata={"description": "Field errors, by location and field."})
    code = fields.String(metadata={"description": "Which rule refused, e.g. slot_full."})
    existing = fields.Dict(metadata={"description": "The existing resource, on a conflict."})


def problem(status: int, detail: str | None = None, **extra: Any) -> Response:
    """Build a problem response; ``extra`` adds members such as ``errors``."""
    title = HTTPStatus(status).phrase
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype=PROBLEM_JSON)
    return response


#: Each kind of refusal as the status of its answer: the one place a rule meets HTTP.
STATUS_OF = {Kind.NOT_FOUND: 404, Kind.FORBIDDEN: 403, Kind.CONFLICT: 409, Kind.INVALID: 422,
             Kind.THROTTLED: 429}


def refusal_problem(refusal: Refusal, location: str = "json") -> Response:
    """A refusal as a problem document: its code, words, the field at fault (as schema
    errors name fields, nested for a dotted name) and its details."""
    status = STATUS_OF[refusal.kind]
    errors = None
    if refusal.field:
        tree: dict[str, Any] = {}
        leaf = tree
        *parents, last = refusal.field.split(".")
        for name in parents:
            leaf = leaf.setdefault(name, {})
        leaf[last] = [refusal.message]
        errors = {location: tree}
    details = dict(refusal.details)
    retry_after = details.pop("retry_after", None)
    code = refusal.code if refusal.named else None
    response = problem(status, refusal.message, errors=errors, code=code, **details)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def http_exception_problem(error: HTTPException) -> Response:
    """Turn a werkzeug/flask-smorest HTTP error into a problem response."""
    status = error.code or 500
    if status >= 500:
        return problem(500, "The server could not handle this request.")
    data = getattr(error, "data", None) or {}
    errors = data.get("messages") or data.get("errors")
    extra = {k: data[k] for k in EXTRA_MEMBERS if k in data}
    detail = data.get("message")
    if not detail and errors and status == 422:
        detail = "The request has invalid fields; see errors."
    if not detail and isinstance(error.description, str):
        detail = error.description
    response = problem(status, detail, errors=errors, **extra)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="clinic"'
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def register_problem_handlers(app: Flask) -> None:
    """Answer every error with a problem document; log unexpected ones without leaking."""

    @app.errorhandler(Refusal)
    def _refused(refusal: Refusal) -> Response:
        metrics.note_refusal(current_app.extensions["clinic"].settings, refusal)
        return refusal_problem(refusal)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        return http_exception_problem(error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return http_exception_problem(error)
        if is_transient(error):
            # The client may send the same request again; its Idempotency-Key makes that safe
            # even in the rare case where the commit itself went through before the drop.
            log.warning("database unavailable on %s %s: %s", request.method, request.path,
                        type(error).__name__)
            response = problem(503, "The database was briefly unavailable. Please try again; "
                                    "a retry with the same Idempotency-Key never books twice.",
                               code="database_unavailable")
            response.headers["Retry-After"] = "1"
            return response
        log.exception("unhandled error on %s %s", request.method, request.path)
        return http_exception_problem(InternalServerError())
