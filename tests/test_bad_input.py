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
