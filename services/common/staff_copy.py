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

    return on(StaffChanged, keep)


def honoured_tokens(db: Database, model: type[StaffTokensMixin]) -> Callable[[Principal], bool]:
    """The check a service's runtime makes of every token: not older than the member's
    version, and the member not deactivated. A member schedule has not told of yet is
    honoured (nothing of theirs was revoked)."""

    def honoured(principal: Principal) -> bool:
        with db.reading() as session:
            row = session.get(model, principal.username)
        return row is None or (row.active and principal.version >= row.token_version)

    return honoured
