"""Who a username is, for the pages: the display name, or the username if none is known."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import StaffName, StaffTokens


def staff_names(session: Session, usernames: Iterable[str | None]) -> dict[str, str]:
    wanted = {u for u in usernames if u}
    if not wanted:
        return {}
    found = {username: name for username, name in session.execute(
        select(StaffName.username, StaffName.name).where(StaffName.username.in_(wanted)))}
    return {u: found.get(u, u) for u in wanted}


def colleagues(session: Session) -> dict[str, str]:
    """The follow-up desk's consultants (those who have claimed, called or recorded an
    enquiry here), by username, with their display names; none whose account schedule
    has deactivated."""
    inactive = select(StaffTokens.username).where(StaffTokens.active.is_(False))
    return dict(session.execute(select(StaffName.username, StaffName.name)
                                .where(StaffName.username.not_in(inactive),
                                       StaffName.colleague.is_(True))
                                .order_by(StaffName.name)).all())
