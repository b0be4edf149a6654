"""Staff accounts: their roles, and the demo's accounts."""

from __future__ import annotations

from collections.abc import Sequence

from services.common.auth import ROLES
from services.common.refusals import Invalid

DEMO_PASSWORD = "demo"
DEMO_STAFF = (
    ("admin", "周建华", ("admin",)),
    ("consultant", "陈晓雯", ("consultant",)),
    ("frontdesk", "刘敏", ("frontdesk",)),
    ("manager", "孙磊", ("manager",)),
)


def clean_roles(roles: Sequence[str]) -> str:
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise Invalid(message=f"Roles must be among {', '.join(ROLES)}.", field="roles")
    return ",".join(sorted(set(roles)))
