"""Staff accounts: passwords and roles."""

from __future__ import annotations

from collections.abc import Sequence

from werkzeug.security import check_password_hash, generate_password_hash

from services.common.auth import ROLES

DEMO_PASSWORD = "demo"
DEMO_STAFF = (
    ("admin", "周建华", ("admin",)),
    ("consultant", "陈晓雯", ("consultant",)),
    ("frontdesk", "刘敏", ("frontdesk",)),
    ("manager", "孙磊", ("manager",)),
)
# A valid hash to compare against when the username is unknown, so that a
# wrong username takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class InvalidStaff(ValueError):
    pass


#: Production's minimum (SPEC §11); the demo's "demo" passwords are only for development.
PRODUCTION_PASSWORD_LENGTH = 10
DEVELOPMENT_PASSWORD_LENGTH = 4


def hash_password(password: str, minimum: int = DEVELOPMENT_PASSWORD_LENGTH) -> str:
    if len(password) < minimum:
        raise InvalidStaff(f"A password needs at least {minimum} characters.")
    return generate_password_hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    return check_password_hash(password_hash or _DUMMY_HASH, password) and password_hash is not None


def clean_roles(roles: Sequence[str]) -> str:
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise InvalidStaff(f"Roles must be among {', '.join(ROLES)}.")
    return ",".join(sorted(set(roles)))
