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
#: scrypt's cost (N) for a new hash: werkzeug's default, 0.1 CPU-s here, and the least that
#: production takes (``PASSWORD_HASH_COST``). A stored hash names its own cost, so a check
#: costs what the hash did when it was made.
PRODUCTION_HASH_COST = 2**15


@cache
def _dummy_hash(cost: int) -> str:
    """A valid hash to compare against when the username is unknown, so that a wrong
    username takes as long as a wrong password."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash("not-a-real-password", method=f"scrypt:{cost}:8:1")


def hash_password(password: str, minimum: int = DEVELOPMENT_PASSWORD_LENGTH,
                  cost: int = PRODUCTION_HASH_COST) -> str:
    from werkzeug.security import generate_password_hash

    if len(password) < minimum:
        raise Invalid(message=f"A password needs at least {minimum} characters.",
                      field="password")
    return generate_password_hash(password, method=f"scrypt:{cost}:8:1")


def password_matches(password_hash: str | None, password: str,
                     cost: int = PRODUCTION_HASH_COST) -> bool:
    """Does ``password`` match the stored hash? With none stored (no such account), a hash
    of ``cost`` is checked all the same, so the answer takes as long either way."""
    from werkzeug.security import check_password_hash

    return (check_password_hash(password_hash or _dummy_hash(cost), password)
            and password_hash is not None)
