"""Staff members' display names, from their own signed tokens when they work here."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from services.common.db import inserted, table_of

from ..domain.calling import FollowupDesk
from ..models import StaffName


def known_as(session: Session, desk: FollowupDesk, name: str, *,
             colleague: bool = True) -> None:
    """The member at the desk is called ``name`` (their token says so). Without a name
    they are still kept, under their username; a consultant (``colleague``) as one of the
    desk to hand tasks to, front desk only to be named on the complaints it records. A
    name known already is not overwritten by none, nor a colleague made none. Two
    requests of the same member at once leave one row and neither fails."""
    name = " ".join(name.split())[:120]
    named = bool(name) and name != desk.by
    values = {"username": desk.by, "name": name if named else desk.by, "updated_at": desk.now,
              "colleague": colleague}
    if inserted(session, table_of(StaffName), values, ["username"]) is not None:
        return
    if named:
        session.execute(update(StaffName).where(StaffName.username == desk.by,
                                                StaffName.name != name)
                        .values(name=name, updated_at=desk.now))
    if colleague:
        session.execute(update(StaffName).where(StaffName.username == desk.by,
                                                StaffName.colleague.is_(False))
                        .values(colleague=True, updated_at=desk.now))
