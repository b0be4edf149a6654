"""Whether a staff token is honoured: its member active, its version current, and the
token not signed out."""

from __future__ import annotations

from collections.abc import Callable

from services.common.db import Database
from services.common.tokens import Principal

from ..models import RevokedToken
from .staff import find_staff


def honoured_tokens(db: Database) -> Callable[[Principal], bool]:
    """Accounts are deactivated, never deleted: a token naming no account was minted with
    the signing key itself (``clinic-schedule token``, the tests) and is honoured, as the
    other services honour a member they have not heard of — unless it was signed out.
    Schedule keeps nothing in the process: a sign-out is refused from its commit on."""

    def honoured(principal: Principal) -> bool:
        with db.reading() as session:
            if principal.token_id and session.get(RevokedToken, principal.token_id) is not None:
                return False
            member = find_staff(session, principal.username)
            return member is None or (member.active
                                      and principal.version >= member.token_version)

    return honoured
