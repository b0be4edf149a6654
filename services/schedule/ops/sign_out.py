"""Signing out ends the token signed out with, on every service (SPEC §11).

Only that token: the member's other sessions (another computer, the phone desk's second
screen) stay signed in. Its id (``jti``) is written to ``revoked_tokens`` — schedule
refuses it from this commit on — and ``schedule.staff.changed`` names it, so every other
service refuses it once the event is handled. Kept until the token would have expired.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from services.common.contracts.schedule import StaffChanged
from services.common.db import inserted, table_of
from services.common.unit_of_work import Work

from ..models import RevokedToken, outbox
from ..reads.staff import find_staff

if TYPE_CHECKING:  # the worker purges revoked tokens here and loads no Flask
    from services.common.tokens import Principal


def sign_out(work: Work[Any], principal: Principal) -> bool:
    """End ``principal``'s token; whether this call ended it (False: already ended)."""
    session = work.session
    member = find_staff(session, principal.username)
    if member is None:
        # A token naming no account was minted with the signing key itself (the CLI's
        # ``token`` for an operator, the tests and the fuzzer): whoever holds the key can
        # mint another, so revoking it would protect nothing. Only staff sign out.
        return False
    if not principal.token_id:
        # A token from before tokens had ids cannot be named: end all of the member's.
        member.token_version += 1
        outbox.add(session, StaffChanged(username=member.username,
                                         token_version=member.token_version,
                                         active=member.active))
        return True
    ttl = timedelta(seconds=work.rt.settings.jwt_ttl_seconds)
    until = principal.expires_at or work.desk.now + ttl
    if inserted(session, table_of(RevokedToken), {
            "token_id": principal.token_id, "username": principal.username,
            "expires_at": until}, ["token_id"]) is None:
        return False  # signed out already (two tabs, a double click)
    outbox.add(session, StaffChanged(
        username=member.username, token_version=member.token_version, active=member.active,
        signed_out=principal.token_id, signed_out_until=until))
    return True


def forget_expired(session: Session, now: datetime) -> int:
    """Ids of tokens that have expired anyway are no longer needed."""
    result = session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
    return int(getattr(result, "rowcount", 0) or 0)
