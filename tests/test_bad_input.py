"""Deep JSON, lone surrogates and NUL bytes are refused with a problem document on every
service, authenticated or not — never a 500, never a traceback in the log."""

from __future__ import annotations

import pytest

from tests.support.booking import bearer
from tests.support.services import SERVICES

DEEP = b'{"a":' * 5000 + b"1" + b"}" * 5000
#: A write each service takes: (method, path, role or None for the public ones)
WRITES = {
    "schedule": ("POST", "/api/v1/auth/token", None),
    "booking": ("POST", "/api/v1/appointments", "consultant"),
    "notify": ("POST", "/api/v1/webhooks/sms/http", None),
    "followup": ("POST", "/api/v1/enquiries", "consultant"),
}


def json_text(values: dict, depth: int = 0) -> bytes:
    """JSON whose string values are given as raw JSON text (escapes kept as written)."""
    parts = []
    for key, value in values.items():
        if isinstance(value, dict):
            parts.append(f'"{key}": ' + json_text(value, depth + 1).decode())
        elif value.startswith('"'):
            parts.append(f'"{key}": {value}')
        else:
            parts.append(f'"{key}": "{value}"')
    return ("{" + ", ".join(parts) + "}").encode()


def send(app, name: str, body: bytes):
    method, path, role = WRITES[name]
    headers = {"Content-Type": "application/json", **(bearer(role) if role else {})}
    return app.test_client().open(path, method=method, data=body, headers=headers)


@pytest.mark.parametrize("name", SERVICES)
def test_json_nested_too_deep_is_400(make_app, name: str) -> None:
    response = send(make_app(name), name, DEEP)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert "nested deeper" in response.json["detail"]


@pytest.mark.parametrize("name", SERVICES)
@pytest.mark.parametrize("text, why", [(r'"\ud800"', "surrogate"), (r'"a\u0000b"', "NUL")])
def test_unstorable_strings_are_422(make_app, name: str, text: str, why: str) -> None:
    names = ("username", "name", "from")
    body = json_text({**dict.fromkeys(names, text), "patient": {"name": text, "phone": "138"},
                      "type": "inbound", "text": "TD", "password": "x"})
    response = send(make_app(name), name, body)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert why in response.json["detail"] and response.json["code"] == "bad_input"


@pytest.mark.parametrize("name", SERVICES)
def test_a_nul_in_the_query_or_the_path_is_refused(make_app, name: str) -> None:
    client = make_app(name).test_client()
    query = client.get("/api/v1/openapi.json?q=a%00b")
    assert query.status_code == 422 and query.json["errors"] == {
        "query": {"q": ["A value contains a NUL character."]}}
    assert client.get("/api/v1/holds/a%00b").status_code in (400, 404)


def test_a_nul_in_a_patients_name_is_422_on_postgresql_too(make_app, pg_url) -> None:
    booking = make_app("booking", database_url=pg_url)
    response = booking.test_client().post(
        "/api/v1/appointments", headers=bearer("consultant"),
        json={"slot_id": 1, "channel": "chat", "complaint": "家属电话13912345678，HIV复诊\x00",
              "patient": {"name": "张\x00三", "phone": "13912345678"}})
    assert response.status_code == 422
    booking.extensions["clinic"].db.dispose()


def test_the_login_form_refuses_nul_too(make_app) -> None:
    response = make_app("schedule").test_client().post(
        "/login", data={"username": "ad\x00min", "password": "x"})
    assert response.status_code == 422


# --- values the API parses: never a 500 (SPEC §11, issue 28 item 7) --------------------------

GIANT = "9" * 30  # overflows a 64-bit integer, SQLite's and PostgreSQL's
#: Query values that once were 500s: a time without a zone (compared with aware times) and
#: moments a zone conversion runs off the calendar with.
BAD_TIMES = ("2026-12-07T10:00:00", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00")
BAD_NUMBERS = (GIANT, "-" + GIANT, "1e400", "NaN")


def parsed_inputs(app) -> list[tuple[str, str, str, dict[str, str]]]:
    """(method, url, what, query) for every route of ``app``: each integer path parameter
    given a 30-digit value, and each query parameter its views parse as a time or a number
    given the values above (found from the URL map and the views' argument schemas, so a new
    endpoint is checked without being listed here)."""
    import re

    from marshmallow import fields

    cases = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        plain = re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if "<int:" in rule.rule:
                giant = re.sub(r"<(?:\w+:)?\w+>", "1", re.sub(r"<int:\w+>", GIANT, rule.rule))
                cases.append((method, giant, "path id", {}))
            handler = getattr(view_class, method.lower(), None) if view_class else view
            arguments = (getattr(handler, "_apidoc", None) or {}).get("arguments", {})
            for parameter in arguments.get("parameters", []):
                if parameter["in"] != "query":
                    continue
                schema = parameter["schema"]
                schema = schema() if isinstance(schema, type) else schema
                for name, field in schema.fields.items():
                    key = field.data_key or name
                    if isinstance(field, fields.DateTime):
                        values: tuple[str, ...] = BAD_TIMES
                    elif isinstance(field, fields.Number):
                        values = BAD_NUMBERS
                    else:
                        continue
                    cases.extend((method, plain, key, {key: value}) for value in values)
    return cases


@pytest.mark.parametrize("name", SERVICES)
def test_giant_ids_and_zoneless_times_are_refused_never_a_500(make_app, auth_header,
                                                               name: str) -> None:
    from services.common.tokens import ROLES

    app = make_app(name)
    client = app.test_client()
    everyone = auth_header(*ROLES)
    cases = parsed_inputs(app)
    assert any(what == "path id" for _m, _u, what, _q in cases)
    failures = []
    for method, url, what, query in cases:
        response = client.open(url, method=method, query_string=query, json={},
                               headers=everyone)
        if response.status_code >= 500:
            failures.append((method, url, what, query, response.status_code))
    assert not failures


def test_the_worklist_refuses_a_time_without_its_zone(make_app, auth_header) -> None:
    client = make_app("followup").test_client()
    consultant = auth_header("consultant")
    response = client.get("/api/v1/tasks?due_before=2026-12-07T10:00:00", headers=consultant)
    assert response.status_code == 422
    assert response.json["errors"] == {"query": {"due_before": [
        "Give the time with its zone, e.g. 2026-12-07T10:00:00+08:00."]}}
    for given in ("2026-12-07T10:00:00+08:00", "2026-12-07T02:00:00Z"):
        assert client.get("/api/v1/tasks", query_string={"due_before": given},
                          headers=consultant).status_code == 200
