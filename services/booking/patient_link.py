"""The patient's link: a signed, expiring URL for one appointment and nothing else."""

from __future__ import annotations

from datetime import datetime, timedelta

import jwt

AUDIENCE = "patient-link"
#: How long after the visit the link still shows the appointment.
VALID_AFTER_VISIT = timedelta(days=1)


class InvalidLink(Exception):
    pass


def _key(secret: str) -> str:
    # A key of its own, so a patient link can never pass for a staff token.
    return f"{secret}:patient-link"


def sign(secret: str, appointment_id: int, code: str, visit_end: datetime) -> str:
    claims = {"aud": AUDIENCE, "sub": str(appointment_id), "code": code,
              "exp": int((visit_end + VALID_AFTER_VISIT).timestamp())}
    return jwt.encode(claims, _key(secret), algorithm="HS256")


def verify(secret: str, token: str) -> tuple[int, str]:
    """(appointment id, code) of a valid link; :class:`InvalidLink` otherwise."""
    try:
        claims = jwt.decode(token, _key(secret), algorithms=["HS256"], audience=AUDIENCE,
                            options={"require": ["exp", "sub", "aud"]})
        return int(claims["sub"]), str(claims["code"])
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise InvalidLink("This link is not valid or has expired.") from exc


def url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/p/{token}"
