"""Whether a staff token is honoured: its member active, its version current."""

from __future__ import annotations

from collections.abc import Callable

from services.common.auth import Principal
from services.common.db import Database

from .staff import find_staff


def honoured_tokens(db: Database) -> Callable[[Principal], bool]:
    """Accounts are deactivated, never deleted: a token naming no account was minted with
    the signing key itself (``clinic-schedule token``, the tests) and is honoured, as the
    other services honour a member they have not heard of."""

    def honoured(principal: Principal) -> bool:
        with db.reading() as session:
            member = find_staff(session, principal.username)
            return member is None or (member.active
                                      and principal.version >= member.token_version)

    return honoured
