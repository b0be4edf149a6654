"""Tokens: signed, expiring, carrying roles; anything else is refused."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from services.common.tokens import AuthError, issue_token, verify_token

SECRET = "a-test-secret-that-is-long-enough-0123456789"


def test_a_token_carries_the_staff_member_and_roles() -> None:
    token = issue_token(SECRET, "wang", ["frontdesk", "manager"], ttl_seconds=60, name="王")
    principal = verify_token(SECRET, token)
    assert principal.username == "wang"
    assert principal.roles == ("frontdesk", "manager")
    assert principal.name == "王"


def test_expired_token_is_refused() -> None:
    past = datetime.now(UTC) - timedelta(hours=2)
    token = issue_token(SECRET, "wang", ["admin"], ttl_seconds=60, now=past)
    with pytest.raises(AuthError, match="expired"):
        verify_token(SECRET, token)


def test_token_signed_with_another_key_is_refused() -> None:
    token = issue_token("another-secret-that-is-long-enough-012345", "wang", ["admin"],
                        ttl_seconds=60)
    with pytest.raises(AuthError):
        verify_token(SECRET, token)


def test_tampered_roles_are_refused() -> None:
    token = issue_token(SECRET, "wang", ["consultant"], ttl_seconds=60)
    header, _payload, signature = token.split(".")
    claims = {"iss": "clinic", "sub": "wang", "roles": ["admin"], "iat": 1, "exp": 9999999999}
    forged_payload = jwt.encode(claims, "y" * 40, algorithm="HS256").split(".")[1]
    with pytest.raises(AuthError):
        verify_token(SECRET, f"{header}.{forged_payload}.{signature}")


def test_unsigned_token_is_refused() -> None:
    token = jwt.encode({"iss": "clinic", "sub": "wang", "roles": ["admin"], "iat": 1,
                        "exp": 9999999999}, None, algorithm="none")
    with pytest.raises(AuthError):
        verify_token(SECRET, token)


def test_unknown_roles_cannot_be_issued() -> None:
    with pytest.raises(ValueError):
        issue_token(SECRET, "wang", ["root"], ttl_seconds=60)


def test_every_token_has_its_own_id_and_says_when_it_ends() -> None:
    """Signing out revokes one token by its id (``jti``), not all the member's tokens."""
    now = datetime.now(UTC).replace(microsecond=0)
    first, second = (verify_token(SECRET, issue_token(SECRET, "wang", ["admin"],
                                                      ttl_seconds=60, now=now))
                     for _ in range(2))
    assert first.token_id and second.token_id and first.token_id != second.token_id
    assert first.expires_at == now + timedelta(seconds=60)


def test_a_token_id_that_is_not_short_text_is_refused() -> None:
    for jti in (12, "x" * 65):
        token = jwt.encode({"iss": "clinic", "sub": "wang", "roles": ["admin"], "iat": 1,
                            "exp": 9999999999, "jti": jti}, SECRET, algorithm="HS256")
        with pytest.raises(AuthError):
            verify_token(SECRET, token)


def test_a_token_checked_before_is_refused_once_it_expires() -> None:
    """Checked tokens are kept (a console sends one with every request), but only until
    they expire: a kept one is not taken a moment after its end."""
    from services.common.auth import _verified

    now = time.time()
    ends = int(now) + 1 if now % 1 < 0.5 else int(now) + 2  # at least half a second away
    token = issue_token(SECRET, "wang", ["admin"], ttl_seconds=ends - int(now),
                        now=datetime.fromtimestamp(int(now), UTC))
    assert _verified(SECRET, token).username == "wang"
    time.sleep(max(ends - time.time(), 0) + 0.1)
    with pytest.raises(AuthError, match="expired"):
        _verified(SECRET, token)
