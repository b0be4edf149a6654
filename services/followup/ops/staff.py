"""Staff members' display names, from their own signed tokens when they work here."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from services.common.db import inserted, table_of

from ..domain.calling import FollowupDesk
from ..models import StaffName


def known_as(session: Session, desk: FollowupDesk, name: str) -> None:
    """The member at the desk is called ``name`` (their token says so); none, none kept.
    Two requests of the same member at once leave one row and neither fails."""
    name = " ".join(name.split())[:120]
    if not name or name == desk.by:
        return
    values = {"username": desk.by, "name": name, "updated_at": desk.now}
    if inserted(session, table_of(StaffName), values, ["username"]) is None:
        session.execute(update(StaffName).where(StaffName.username == desk.by,
                                                StaffName.name != name)
                        .values(name=name, updated_at=desk.now))
