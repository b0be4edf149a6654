"""Notify's access log as the admin reads it, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.common.access_records import access_rows

from ..models import AccessRecord


def access_log(session: Session, *, patient_id: int | None = None, staff: str | None = None,
               after: datetime | None = None, before: datetime | None = None,
               limit: int = 1000) -> list[dict[str, Any]]:
    return access_rows(session, AccessRecord, patient_id=patient_id, staff=staff,
                       after=after, before=before, limit=limit)
