"""The signed patient links of earlier versions, as plain Python: no Flask, no database.

Written for the mutants `make mutate` found surviving (docs/mutation.md): a link without an
expiry must not be accepted.
"""

from __future__ import annotations

from datetime import UTC, datetime

import jwt
import pytest

from services.booking.domain.patient_link import AUDIENCE, InvalidLink, PatientLinks

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
