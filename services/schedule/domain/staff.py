"""Staff accounts: their roles, and the demo's accounts."""

from __future__ import annotations

from collections.abc import Sequence

from services.common.refusals import Invalid
from services.common.tokens import INTEGRATION, ROLES

DEMO_PASSWORD = "demo"
DEMO_STAFF = (
    ("admin", "周建华", ("admin",)),
    ("consultant", "陈晓雯", ("consultant",)),
    ("frontdesk", "刘敏", ("frontdesk",)),
    ("manager", "孙磊", ("manager",)),
)


def clean_roles(roles: Sequence[str]) -> str:
    """The roles as stored. ``integration`` stands alone: a hospital system's account is
    nobody's desk, and a person's account never books as a system."""
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise Invalid(message=f"Roles must be among {', '.join(ROLES)}.", field="roles")
    if INTEGRATION in roles and len(set(roles)) > 1:
        raise Invalid(message=f"The role {INTEGRATION} is given alone: a hospital system's "
                      "account holds no staff role.", field="roles")
    return ",".join(sorted(set(roles)))
