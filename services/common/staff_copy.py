"""The other services' copy of which staff tokens are void, kept from
``schedule.staff.changed``: a reset password, a change of roles or a deactivation ends
the old tokens everywhere within moments, without any service asking schedule; signing
out ends the one token signed out with (its id is kept until the token would have
expired anyway)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .contracts.schedule import StaffChanged
from .db import Database, UTCDateTime
from .events import Event
from .kept import Kept

if TYPE_CHECKING:
    from .auth import Principal
    from .event_handlers import WorkHandler
    from .unit_of_work import Work


@dataclass(frozen=True)
class Standing:
    """What a service knows of one member's tokens."""

    active: bool
    version: int
    signed_out: frozenset[str]  # ids of tokens ended by signing out

    def honours(self, principal: Principal) -> bool:
        return self.active and principal.version >= self.version \
            and principal.token_id not in self.signed_out


#: Whether each member's tokens stand, kept for a moment: every request asks.
STANDING: Kept[Standing | None] = Kept(seconds=2.0)


class StaffTokensMixin:
    """Columns of the ``staff_tokens`` table: one row per member of staff schedule told of."""

    __tablename__ = "staff_tokens"

    username: Mapped[str] = mapped_column(String(60), primary_key=True)
    token_version: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Tokens ended by signing out, as JSON ``{token id: expiry (Unix seconds)}``; an id
    #: is dropped once its token would have expired anyway.
    signed_out: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")

    if TYPE_CHECKING:
        def __init__(self, **columns: Any) -> None: ...


def signed_out_ids(row: StaffTokensMixin) -> dict[str, int]:
    try:
        found = json.loads(row.signed_out or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def keep_staff_copy(model: type[StaffTokensMixin]) -> WorkHandler:
    """The handler of ``schedule.staff.changed`` for a service's copy."""

    def keep(work: Work[Any], change: StaffChanged, event: Event) -> None:
        """Versions only grow: a late, older event never revives a token. A token signed
        out stays void whatever order the events come in."""
        session = work.session
        row = session.get(model, change.username, with_for_update=True)
        if row is None:
            row = model(username=change.username, token_version=0, active=True,
                        updated_at=event.occurred_at, signed_out="{}")
            session.add(row)
        STANDING.forget_when_committed(session, change.username)
        if change.signed_out:
            until = change.signed_out_until or event.occurred_at
            ids = {**signed_out_ids(row), change.signed_out: int(until.timestamp())}
            # Ids of tokens expired by the latest time this copy knows of go.
            known = int(max(event.occurred_at, row.updated_at).timestamp())
            row.signed_out = json.dumps({jti: exp for jti, exp in ids.items()
                                         if isinstance(exp, int) and exp >= known},
                                        sort_keys=True)
        if row.updated_at > event.occurred_at:
            return
        row.token_version = max(row.token_version, change.token_version)
        row.active = change.active
        row.updated_at = event.occurred_at

    return keep


def honoured_tokens(db: Database, model: type[StaffTokensMixin]) -> Callable[[Principal], bool]:
    """The check a service's runtime makes of every token: not older than the member's
    version, not signed out, and the member not deactivated. A member schedule has not
    told of yet is honoured (nothing of theirs was revoked). Another process's change is
    seen within two seconds of reaching this service."""

    def standing(username: str) -> Standing | None:
        with db.reading() as session:
            row = session.get(model, username)
            if row is None:
                return None
            return Standing(row.active, row.token_version, frozenset(signed_out_ids(row)))

    def honoured(principal: Principal) -> bool:
        found = STANDING.get(db.engine.url, principal.username,
                             lambda: standing(principal.username))
        return found is None or found.honours(principal)

    return honoured
