"""The other services' copy of which staff tokens are void, kept from
``schedule.staff.changed``: a reset password, a change of roles or a deactivation ends
the old tokens everywhere within moments, without any service asking schedule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from .auth import Principal
from .contracts import on
from .contracts.schedule import StaffChanged
from .db import Database, UTCDateTime
from .events import Event
from .inbox import Handler
from .kept import Kept

#: Whether each member's tokens stand, kept for a moment: every request asks.
STANDING: Kept[tuple[bool, int] | None] = Kept(seconds=2.0)


class StaffTokensMixin:
    """Columns of the ``staff_tokens`` table: one row per member of staff schedule told of."""

    __tablename__ = "staff_tokens"

    username: Mapped[str] = mapped_column(String(60), primary_key=True)
    token_version: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    if TYPE_CHECKING:
        def __init__(self, **columns: Any) -> None: ...


def keep_staff_copy(model: type[StaffTokensMixin]) -> Handler:
    def keep(session: Session, change: StaffChanged, event: Event) -> None:
        """Versions only grow: a late, older event never revives a token."""
        row = session.get(model, change.username)
        if row is None:
            row = model(username=change.username, token_version=0, active=True)
            session.add(row)
        elif row.updated_at > event.occurred_at:
            return
        row.token_version = max(row.token_version, change.token_version)
        row.active = change.active
        row.updated_at = event.occurred_at
        STANDING.forget_when_committed(session, change.username)

    return on(StaffChanged, keep)


def honoured_tokens(db: Database, model: type[StaffTokensMixin]) -> Callable[[Principal], bool]:
    """The check a service's runtime makes of every token: not older than the member's
    version, and the member not deactivated. A member schedule has not told of yet is
    honoured (nothing of theirs was revoked). Another process's change is seen within
    two seconds of reaching this service."""

    def standing(username: str) -> tuple[bool, int] | None:
        with db.reading() as session:
            row = session.get(model, username)
            return None if row is None else (row.active, row.token_version)

    def honoured(principal: Principal) -> bool:
        found = STANDING.get(db.engine.url, principal.username,
                             lambda: standing(principal.username))
        if found is None:
            return True
        active, version = found
        return active and principal.version >= version

    return honoured
