"""Every change of an appointment's status, with who and why (undo included)."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.orm import Session

from services.common.db import table_of

from ..domain.desk import Desk
from ..domain.statuses import Action
from ..models import StatusChange


def record(session: Session, desk: Desk, appointment_id: int, before: str | None, after: str,
           action: Action, reason: str | None) -> None:
    """Written at once, as a plain INSERT: no object to keep, no flush to wait for."""
    session.execute(insert(table_of(StatusChange)).values(
        appointment_id=appointment_id, from_status=before, to_status=after,
        action=action.value, by=desk.by, reason=reason, at=desk.now))
