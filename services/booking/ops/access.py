"""The access log: one row for each full read of a patient's contact data and each change."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.db import append_row, table_of

from ..domain.desk import Desk
from ..domain.privacy import Access
from ..models import AccessRecord

ACCESS_LOG = table_of(AccessRecord)


def record_access(session: Session, desk: Desk, patient_id: int, action: Access,
                  detail: str = "") -> None:
    """A plain INSERT (the log is append-only: nothing reads it back), with the request's
    other rows where it gathers them (see ``rows_together``)."""
    append_row(session, ACCESS_LOG, dict(
        at=desk.now, staff=desk.by, patient_id=patient_id, action=action.value,
        detail=detail[:200]))
