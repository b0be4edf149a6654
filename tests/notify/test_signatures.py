"""The SMS webhook's signature rule: a malformed timestamp is refused, never an error."""

from __future__ import annotations

import time

import pytest

from services.notify.domain.signatures import signature, why_refused

SECRET = "s" * 40
BODY = b'{"message_id": "m1", "status": "delivered"}'


@pytest.mark.parametrize("timestamp", [
    "9" * 400, "1" * 13, "-1700000000", "+1700000000", " 1700000000", "1.7e9", "１７００", "",
    "0x1F"])
def test_a_timestamp_that_is_not_a_unix_time_is_refused_not_an_error(timestamp: str) -> None:
    refused = why_refused(SECRET, timestamp, "v1=00", BODY, time.time())
    assert refused in ("The timestamp is not a Unix time.", "The call is not signed.")


def test_a_fresh_signed_call_passes_and_a_stale_one_does_not() -> None:
    now = int(time.time())
    assert why_refused(SECRET, str(now), signature(SECRET, now, BODY), BODY, now) is None
    old = now - 301
    assert why_refused(SECRET, str(old), signature(SECRET, old, BODY), BODY, now) == \
        "The call is too old or from the future."


def test_the_webhook_answers_401_to_a_400_digit_timestamp_without_signing_in(app) -> None:
    """The attack of issue 28: this header alone made the webhook answer 500."""
    client = app.test_client()
    answer = client.post("/api/v1/webhooks/sms/http", json={"type": "inbound"},
                         headers={"X-Clinic-Timestamp": "9" * 400,
                                  "X-Clinic-Signature": "v1=" + "0" * 64})
    assert answer.status_code == 401
