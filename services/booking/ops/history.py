"""Every change of an appointment's status, with who and why (undo included)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.db import append_row, table_of

from ..domain.rules import BookingDesk
from ..domain.statuses import Action
from ..models import StatusChange

HISTORY = table_of(StatusChange)


def record(session: Session, desk: BookingDesk, appointment_id: int, before: str | None, after: str,
           action: Action, reason: str | None) -> None:
    """A plain INSERT (no object to keep), with the request's other rows where it
    gathers them (see ``rows_together``)."""
    append_row(session, HISTORY, dict(
        appointment_id=appointment_id, from_status=before, to_status=after,
        action=action.value, by=desk.by, reason=reason, at=desk.now))
