"""Who may call the SMS webhook: the gateway, proven by an HMAC of the body and the time.

The gateway adapter sends two headers with every receipt and reply:

- ``X-Clinic-Timestamp``: the Unix time of the call, in seconds;
- ``X-Clinic-Signature``: ``v1=`` and the hex HMAC-SHA256, keyed with
  ``SMS_WEBHOOK_SECRET``, of ``<timestamp>.`` followed by the raw body bytes.

A call without them, with a wrong signature, or more than five minutes away from
our clock is refused and changes nothing. The window bounds replays; a receipt or
an opt-out replayed inside it changes nothing new.
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Clinic-Timestamp"
SIGNATURE_HEADER = "X-Clinic-Signature"
WINDOW_SECONDS = 300
#: A Unix time in seconds has 10 digits until the year 2286; a longer one is not a time
#: (and a 400-digit one would overflow the float comparison with our clock).
MAX_DIGITS = 12


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={digest.hexdigest()}"


def signed_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    """What the gateway adapter (and the tests' fake gateway) sends."""
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(secret, timestamp,
                                                                         body)}


def why_refused(secret: str, timestamp: str | None, given: str | None, body: bytes,
                now: float) -> str | None:
    """None for a genuine, fresh call; otherwise what is wrong with it."""
    if not timestamp or not given:
        return "The call is not signed."
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > MAX_DIGITS:
        return "The timestamp is not a Unix time."
    moment = int(timestamp)
    if abs(now - moment) > WINDOW_SECONDS:
        return "The call is too old or from the future."
    if not hmac.compare_digest(signature(secret, moment, body), given):
        return "The signature does not match."
    return None
