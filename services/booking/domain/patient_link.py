"""The patient's link: a short URL for one appointment and nothing else.

A link is ``<BOOKING_URL>/p/<token>``: eleven random characters of the 62 letters
and digits (65 bits), stored by booking with the appointment it names, so the
demo's whole link is 35 characters and a confirmation SMS stays at three
segments. Links sent by earlier versions were signed tokens (a JWT, about 190
characters); they are still honoured until they expire.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from services.common.refusals import Kind, Refusal

AUDIENCE = "patient-link"
#: How long after the visit the link still shows the appointment.
VALID_AFTER_VISIT = timedelta(days=1)
ALPHABET = string.ascii_letters + string.digits
TOKEN_LENGTH = 11  # 62**11 > 2**65


#: The scope of a link's ``Idempotency-Key`` answers: ``link:`` and this, then a hash.
LINK_SCOPE = "link:"


def link_scope(token: str) -> str:
    """Whose ``Idempotency-Key`` a link's change is: the link's own (its token hashed, never
    stored as such), so one patient's keys never meet another's; erasure finds the
    answers of an erased patient's links by it."""
    return LINK_SCOPE + hashlib.sha256(token.encode()).hexdigest()[:40]


#: What a patient is told of any link that names no appointment now.
INVALID = "This link is not valid or has expired."


class InvalidLink(Refusal):
    """A link that is wrong, withdrawn or expired: to the patient, no such appointment."""

    kind = Kind.NOT_FOUND
    default_code = "not_found"

    def __init__(self) -> None:
        super().__init__(message=INVALID)


def new_token() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(TOKEN_LENGTH))


def looks_like_token(token: str) -> bool:
    """A token this version makes: cheap to check before any database work."""
    return len(token) == TOKEN_LENGTH and all(c in ALPHABET for c in token)


def expires_at(visit_end: datetime) -> datetime:
    return visit_end + VALID_AFTER_VISIT


@dataclass(frozen=True)
class PatientLinks:
    """The links of one installation: its public address, and the key that signed the
    links of earlier versions."""

    secret: str
    base_url: str

    def url(self, token: str) -> str:
        return f"{self.base_url.rstrip('/')}/p/{token}"

    @property
    def _key(self) -> str:
        # A key of its own, so a patient link can never pass for a staff token.
        return f"{self.secret}:patient-link"

    def sign(self, appointment_id: int, code: str, visit_end: datetime) -> str:
        """A link as earlier versions made them (kept to test that they still work)."""
        claims = {"aud": AUDIENCE, "sub": str(appointment_id), "code": code,
                  "exp": int(expires_at(visit_end).timestamp())}
        return jwt.encode(claims, self._key, algorithm="HS256")

    def verify_signed(self, token: str) -> tuple[int, str]:
        """(appointment id, code) of a valid signed link; :class:`InvalidLink` otherwise."""
        try:
            claims = jwt.decode(token, self._key, algorithms=["HS256"], audience=AUDIENCE,
                                options={"require": ["exp", "sub", "aud"]})
            return int(claims["sub"]), str(claims["code"])
        except (jwt.PyJWTError, KeyError, ValueError) as exc:
            raise InvalidLink() from exc
