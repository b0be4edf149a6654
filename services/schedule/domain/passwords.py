"""Staff passwords: how long, hashed how (werkzeug's salted scrypt), checked how.

werkzeug is imported when a password is hashed or checked: importing the package loads its
web machinery, which the worker (it checks no password) has no use for.
"""

from __future__ import annotations

from functools import cache

from services.common.refusals import Invalid

#: Production's minimum (SPEC §11); the demo's "demo" passwords are only for development.
PRODUCTION_PASSWORD_LENGTH = 10
DEVELOPMENT_PASSWORD_LENGTH = 4


@cache
def _dummy_hash() -> str:
    """A valid hash to compare against when the username is unknown, so that a wrong
    username takes as long as a wrong password."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash("not-a-real-password")


def hash_password(password: str, minimum: int = DEVELOPMENT_PASSWORD_LENGTH) -> str:
    from werkzeug.security import generate_password_hash

    if len(password) < minimum:
        raise Invalid(message=f"A password needs at least {minimum} characters.",
                      field="password")
    return generate_password_hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    from werkzeug.security import check_password_hash

    return (check_password_hash(password_hash or _dummy_hash(), password)
            and password_hash is not None)
