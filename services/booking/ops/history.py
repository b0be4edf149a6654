"""Every change of an appointment's status, with who and why (undo included)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..domain.desk import Desk
from ..domain.statuses import Action
from ..models import StatusChange


def record(session: Session, desk: Desk, appointment_id: int, before: str | None, after: str,
           action: Action, reason: str | None) -> None:
    session.add(StatusChange(appointment_id=appointment_id, from_status=before, to_status=after,
                             action=action.value, by=desk.by, reason=reason, at=desk.now))
