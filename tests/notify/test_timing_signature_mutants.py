"""Quiet hours and the gateway's signatures, as plain Python: the edges a mutant moved.

Written for the mutants `make mutate` found surviving (docs/mutation.md).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from services.notify.domain.signatures import WINDOW_SECONDS, signature, why_refused
from services.notify.domain.timing import QuietHours

SHANGHAI = ZoneInfo("Asia/Shanghai")
QUIET = QuietHours()  # 21:00–08:00


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def test_a_moment_in_the_quiet_hours_waits_for_their_end_that_night_or_this_morning() -> None:
    late = QUIET.next_allowed(at(24, 22), SHANGHAI)
    assert late == at(25, 8) and late.tzinfo is UTC, "22:00 waits for 08:00 the next day (UTC)"
    early = QUIET.next_allowed(at(25, 3), SHANGHAI)
    assert early == at(25, 8) and early.tzinfo is UTC
    assert QUIET.next_allowed(at(25, 8), SHANGHAI) == at(25, 8)
    assert QUIET.next_allowed(at(24, 21), SHANGHAI) == at(25, 8)


SECRET = "gateway-secret"
NOW = 1_800_000_000
BODY = b'{"to": "+8613800138000"}'


def test_the_signature_is_an_hmac_of_the_timestamp_and_the_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256)
    assert signature(SECRET, NOW, BODY) == f"v1={expected.hexdigest()}"
    assert signature(SECRET, NOW, BODY) != signature(SECRET, NOW, BODY + b" ")
    assert signature(SECRET, NOW, BODY) != signature(SECRET, NOW + 1, BODY)


def test_a_call_needs_both_a_timestamp_and_a_signature() -> None:
    signed = signature(SECRET, NOW, BODY)
    assert why_refused(SECRET, str(NOW), signed, BODY, NOW) is None
    assert why_refused(SECRET, str(NOW), None, BODY, NOW) == "The call is not signed."
    assert why_refused(SECRET, None, signed, BODY, NOW) == "The call is not signed."


def test_a_twelve_digit_timestamp_is_a_time_and_a_thirteen_digit_one_is_not() -> None:
    twelve = 100_000_000_000
    assert why_refused(SECRET, str(twelve), signature(SECRET, twelve, BODY), BODY,
                       twelve) is None
    thirteen = 10 * twelve
    assert why_refused(SECRET, str(thirteen), signature(SECRET, thirteen, BODY), BODY,
                       thirteen) == "The timestamp is not a Unix time."


def test_a_call_exactly_the_window_old_or_ahead_is_accepted_and_a_second_more_is_not() -> None:
    for moment in (NOW - WINDOW_SECONDS, NOW + WINDOW_SECONDS):
        signed = signature(SECRET, moment, BODY)
        assert why_refused(SECRET, str(moment), signed, BODY, NOW) is None
    for moment in (NOW - WINDOW_SECONDS - 1, NOW + WINDOW_SECONDS + 1):
        signed = signature(SECRET, moment, BODY)
        assert why_refused(SECRET, str(moment), signed, BODY, NOW) == \
            "The call is too old or from the future."


def test_a_signature_that_does_not_match_is_refused_as_such() -> None:
    assert why_refused(SECRET, str(NOW), signature("another secret", NOW, BODY), BODY, NOW) \
        == "The signature does not match."
