"""Who a username is, for the pages: the display name, or the username if none is known."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import StaffName


def staff_names(session: Session, usernames: Iterable[str | None]) -> dict[str, str]:
    wanted = {u for u in usernames if u}
    if not wanted:
        return {}
    found = {username: name for username, name in session.execute(
        select(StaffName.username, StaffName.name).where(StaffName.username.in_(wanted)))}
    return {u: found.get(u, u) for u in wanted}
