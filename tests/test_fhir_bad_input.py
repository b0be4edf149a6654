"""Every /fhir read parameter walked with bad values: never a 500, always FHIR's JSON, and
every refusal a valid OperationOutcome (SPEC §11, §13).

The parameters come from the CapabilityStatement's table, so a parameter added tomorrow is
walked without being listed here.
"""

from __future__ import annotations

from datetime import time
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask

from services.booking.api.fhir import CAPABILITIES
from tests.support.booking import Inventory, bearer, tomorrow
from tests.support.fhir import FHIR_JSON, valid

GIANT = "9" * 30
BAD = ("", " ", "x", "-1", "0", GIANT, "-" + GIANT, "1e400", "NaN", "true,false", ",", "|",
       "a|", "|a|b", "Patient/x", "Slot/1", "Practitioner/" + GIANT, "http://x/fhir/Schedule/1",
       "ge", "gt2026-02-30", "ge9999-12-31", "lt0001-01-01T00:00:00+14:00",
       "2026-12-07T10:00:00", "2026-12-07T10:00", "eq2026", "sa2026-12-07", "ÿ" * 3,
       "é\u200b", "%", "'; drop table slots; --", "x" * 5000, "9" * 5000,
       "Schedule/" + "9" * 5000, "free,nope", "booked,,")
COMMON = ("_count", "_offset", "_format")


def walked() -> list[tuple[str, str]]:
    return [(kind, name) for kind, (_, params) in sorted(CAPABILITIES.items())
            for name in [p[0] for p in params] + list(COMMON)]


@pytest.fixture
def booking(make_app: Any) -> Flask:
    app = make_app("booking")
    inv = Inventory(app)
    slot = inv.session(tomorrow(), time(8), count=2)[0]
    client = app.test_client()
    booked = client.post("/api/v1/appointments", headers=bearer("frontdesk"), json={
        "slot_id": slot, "channel": "chat", "complaint": "头痛",
        "patient": {"name": "张三", "phone": "13800138000"}})
    assert booked.status_code == 201
    return app


def checked(answer: Any, what: str) -> None:
    assert answer.status_code < 500, (what, answer.get_data(as_text=True)[:300])
    assert answer.mimetype == FHIR_JSON, what
    body = answer.get_json()
    if answer.status_code >= 400:
        valid(body, "OperationOutcome")
    else:
        valid(body, body["resourceType"])
    assert "Traceback" not in answer.get_data(as_text=True)


@pytest.mark.parametrize("kind", sorted(CAPABILITIES))
def test_every_search_parameter_of_a_type_takes_bad_values_without_a_500(
        booking: Flask, kind: str) -> None:
    client = booking.test_client()
    for role in ("frontdesk", "manager"):
        for name in [p[0] for p in CAPABILITIES[kind][1]] + list(COMMON):
            for value in BAD:
                url = f"/fhir/{kind}?{quote(name)}={quote(value, safe='')}"
                checked(client.get(url, headers=bearer(role)), f"{role} {url}")
            twice = f"/fhir/{kind}?{name}=1&{name}=2&{name}=3"
            checked(client.get(twice, headers=bearer(role)), twice)


@pytest.mark.parametrize("kind", sorted(CAPABILITIES))
def test_reads_take_bad_ids_and_parameters_without_a_500(booking: Flask, kind: str) -> None:
    client = booking.test_client()
    for id_ in ("0", "-1", "x", GIANT, "9" * 5000, "1.5", "%00", "1/2"):
        checked(client.get(f"/fhir/{kind}/{id_}", headers=bearer("frontdesk")), id_)
    checked(client.get(f"/fhir/{kind}/1?_count=1", headers=bearer("frontdesk")), "param")
    checked(client.get(f"/fhir/{kind}/1?_format=xml", headers=bearer("frontdesk")), "format")


def test_metadata_takes_bad_parameters_without_a_500(booking: Flask) -> None:
    client = booking.test_client()
    for url in ("/fhir/metadata?_format=xml", "/fhir/metadata?x=%00", "/fhir/metadata?mode=x"):
        checked(client.get(url), url)
