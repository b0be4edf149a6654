"""Input no view should ever see, refused before routing reaches one (SPEC §7, §11).

JSON nested beyond reason is a denial of service (Python's parser recurses), and a
string with a NUL byte or a lone surrogate (``"\\ud800"``) cannot be stored by
PostgreSQL or encoded as UTF-8: left to the views, each was a 500 with a traceback.
Every request's path, query, form and JSON body are checked here once; the parsed
JSON is kept, so the view does not parse it again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import Request, Response, request

from .problems import problem

MAX_DEPTH = 32


class BadInput(Exception):
    def __init__(self, status: int, message: str, location: str = "json",
                 field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.location, self.field = status, location, field


def unstorable(text: str) -> str | None:
    """Why a string cannot be stored, or None."""
    if "\x00" in text:
        return "contains a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate, which is not text"
    return None


def _walk(data: Any) -> Iterator[tuple[str, str, int]]:
    """Every key and string value with its path and depth, without recursion."""
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadInput(400, f"The JSON body is nested deeper than {MAX_DEPTH} levels.")
        if isinstance(value, dict):
            for key, item in value.items():
                yield key, f"{path}.{key}" if path else key, depth
                stack.append((item, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{n}]", depth + 1) for n, item in enumerate(value))
        elif isinstance(value, str):
            yield value, path, depth


def parsed_json(raw: bytes) -> Any:
    try:
        data = json.loads(raw)
    except RecursionError as exc:
        raise BadInput(400, f"The JSON body is nested deeper than {MAX_DEPTH} levels.") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput(400, "The body is not valid JSON.") from exc
    for text, path, _ in _walk(data):
        why = unstorable(text)
        if why:
            raise BadInput(422, f"A value {why}.", "json", path or "body")
    return data


WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def check(req: Request) -> None:
    """Raise :class:`BadInput` for what no view may see. The API takes writes as JSON only:
    another site's plain HTML form cannot send JSON, so no form can act for a signed-in
    member of staff."""
    if req.path.startswith("/api/") and req.method in WRITES and not req.is_json and (
            req.content_length or req.headers.get("Transfer-Encoding")):
        raise BadInput(415, "Send the body as JSON (Content-Type: application/json).",
                       "headers", "Content-Type")
    for location, pairs in (("path", [("path", req.path)]),
                            ("query", req.args.items(multi=True))):
        for field, value in pairs:
            why = unstorable(value) or unstorable(field)
            if why:
                raise BadInput(422 if location == "query" else 400, f"A value {why}.",
                               location, field)
    if req.mimetype == "application/x-www-form-urlencoded" or req.mimetype.startswith(
            "multipart/"):
        for field, value in req.form.items(multi=True):
            why = unstorable(value) or unstorable(field)
            if why:
                raise BadInput(422, f"A value {why}.", "form", field)
    if req.is_json and req.content_length != 0:
        raw = req.get_data(cache=True)
        if raw:
            data = parsed_json(raw)
            req._cached_json = (data, data)  # Flask's own cache: get_json() returns it


def guard() -> Response | None:
    """The ``before_request`` hook every service installs."""
    try:
        check(request)
    except BadInput as exc:
        errors = {exc.location: {exc.field: [str(exc)]}} if exc.field else None
        return problem(exc.status, str(exc), errors=errors, code="bad_input")
    return None
