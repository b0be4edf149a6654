"""Staff roles and the signed JWTs that carry them (SPEC §4), without a web framework.

Schedule issues tokens for its staff accounts (its API and its command line); every
service verifies them with the same configured key (``services.common.auth`` does that
for each request). A worker or a command that only needs the roles loads no Flask.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

#: The people of the hospital: every page and the staff API is for some of them.
STAFF_ROLES = ("admin", "consultant", "frontdesk", "manager")
#: A hospital system's account (HIS, the patient app, a regional booking platform): it
#: reads the scheduling resources and books and cancels through ``/fhir`` (SPEC §13),
#: and nothing else — no page and no endpoint of the staff API lists it.
INTEGRATION = "integration"
ROLES = (*STAFF_ROLES, INTEGRATION)
ISSUER = "clinic"
ALGORITHM = "HS256"


class AuthError(Exception):
    """A token that is missing, expired, tampered with or otherwise unusable."""


@dataclass(frozen=True)
class Principal:
    """The staff member a request acts for."""

    username: str
    roles: tuple[str, ...]
    name: str = ""
    version: int = 0  # the staff member's token version when the token was issued
    token_id: str = ""  # the token's own id (``jti``): signing out revokes this one token
    expires_at: datetime | None = None  # when the token ends by itself

    def has_any(self, roles: Iterable[str]) -> bool:
        return bool(set(self.roles) & set(roles))


def issue_token(secret: str, username: str, roles: Iterable[str], *, ttl_seconds: int,
                name: str = "", now: datetime | None = None, version: int = 0) -> str:
    """Sign a token for ``username`` carrying ``roles``, valid for ``ttl_seconds``.

    ``version`` is the staff member's token version: a password reset, a change of roles
    or a deactivation raises it, and every service then refuses the older tokens. Each
    token gets its own random id (``jti``): signing out revokes that id, and only it."""
    now = now or datetime.now(UTC)
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    claims = {
        "iss": ISSUER,
        "sub": username,
        "name": name or username,
        "roles": sorted(set(roles)),
        "ver": version,
        "jti": secrets.token_urlsafe(16),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(secret: str, token: str) -> Principal:
    """Return the principal of a valid token, or raise :class:`AuthError`."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise AuthError("token expired") from exc
    except jwt.PyJWTError as exc:
        raise AuthError("invalid token") from exc
    roles = claims.get("roles")
    version = claims.get("ver", 0)
    token_id = claims.get("jti", "")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles) \
            or not isinstance(version, int) or not isinstance(token_id, str) \
            or len(token_id) > 64:
        raise AuthError("invalid token")
    return Principal(username=str(claims["sub"]), roles=tuple(roles),
                     name=str(claims.get("name") or claims["sub"]), version=version,
                     token_id=token_id,
                     expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC))
