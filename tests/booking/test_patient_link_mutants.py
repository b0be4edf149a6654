"""The patient link's rules: the signed links of earlier versions, and who may rebook.

Written for the mutants `make mutate` found surviving (docs/mutation.md): a link without an
expiry must not be accepted; a visit the patient cancelled is not booked again (the last test
runs the in-process API on SQLite).
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import jwt
import pytest

from services.booking.domain.patient_link import (
    AUDIENCE,
    InvalidLink,
    PatientLinks,
    looks_like_token,
    new_token,
)
from tests.support.booking import tomorrow

SECRET = "an installation secret of thirty-two bytes or more"
LINKS = PatientLinks(secret=SECRET, base_url="https://clinic.example/")
KEY = f"{SECRET}:patient-link"  # a key of the links' own, never the staff tokens'


def test_a_signed_link_gives_back_its_appointment_and_code() -> None:
    token = LINKS.sign(42, "ABCD2345", datetime(2099, 1, 1, tzinfo=UTC))
    assert LINKS.verify_signed(token) == (42, "ABCD2345")
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


@pytest.mark.parametrize("claims", [
    {"aud": AUDIENCE, "sub": "42", "code": "ABCD2345"},  # no expiry: valid for ever
    {"sub": "42", "code": "ABCD2345", "exp": 4_102_444_800},  # no audience
    {"aud": AUDIENCE, "code": "ABCD2345", "exp": 4_102_444_800},  # no appointment
    {"aud": AUDIENCE, "sub": "42", "code": "ABCD2345", "exp": 1_000_000_000},  # expired
    {"aud": "staff", "sub": "42", "code": "ABCD2345", "exp": 4_102_444_800},
])
def test_a_link_missing_a_required_claim_or_expired_is_refused(claims) -> None:
    with pytest.raises(InvalidLink):
        LINKS.verify_signed(jwt.encode(claims, KEY, algorithm="HS256"))


def test_a_link_signed_with_another_key_is_refused() -> None:
    claims = {"aud": AUDIENCE, "sub": "42", "code": "ABCD2345", "exp": 4_102_444_800}
    with pytest.raises(InvalidLink):
        LINKS.verify_signed(jwt.encode(claims, SECRET, algorithm="HS256"))


def test_a_visit_the_patient_cancelled_is_not_booked_again_through_the_link(
        app, inv, consultant) -> None:
    """Only a cancellation by the hospital (停诊) lets the patient take another place."""
    slots = inv.session(tomorrow(), time(8), count=2, capacity=1)
    booked = consultant.book(slots[0]).json
    client, token = app.test_client(), booked["patient_link"].rsplit("/p/", 1)[1]
    assert client.post(f"/p/{token}/cancel").status_code == 303
    view = client.get(f"/api/v1/patient-link/{token}").json
    assert (view["status"], view["cancel_reason"]) == ("cancelled", "patient")
    assert view["cancelled_by_hospital"] is False and not view.get("alternatives")
    refused = client.post(f"/api/v1/patient-link/{token}/reschedule", json={"slot_id": slots[1]})
    assert refused.status_code >= 400 and inv.counts(slots[1]) == (0, 0, 0)


def test_a_token_is_eleven_letters_or_digits_nothing_else() -> None:
    token = new_token()
    assert len(token) == 11 and looks_like_token(token)
    assert not looks_like_token("abc.def-ghi"), "eleven characters, not all letters or digits"
    assert not looks_like_token("abcdefghij"), "letters, but ten of them"
    assert not looks_like_token("abcdefghijkl")
