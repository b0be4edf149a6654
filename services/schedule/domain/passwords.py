"""Staff passwords: how long, hashed how, checked how.

Apart from the roles (``staff.py``, which reads the roles from ``services.common.auth``,
a Flask module), so the worker, which checks no role, loads no web framework.
"""

from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

from services.common.refusals import Invalid

#: Production's minimum (SPEC §11); the demo's "demo" passwords are only for development.
PRODUCTION_PASSWORD_LENGTH = 10
DEVELOPMENT_PASSWORD_LENGTH = 4
# A valid hash to compare against when the username is unknown, so that a
# wrong username takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def hash_password(password: str, minimum: int = DEVELOPMENT_PASSWORD_LENGTH) -> str:
    if len(password) < minimum:
        raise Invalid(message=f"A password needs at least {minimum} characters.",
                      field="password")
    return generate_password_hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    return check_password_hash(password_hash or _DUMMY_HASH, password) and password_hash is not None
