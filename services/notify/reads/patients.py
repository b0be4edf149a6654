"""Everything notify holds on one patient, for their request to see it (PIPL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Message

COLUMNS = ("id", "appointment_id", "event_type", "channel", "template", "language",
           "recipient", "subject", "body", "status", "reason", "attempts", "provider",
           "provider_id", "send_after", "created_at", "sent_at")


def export_of(session: Session, patient_id: int) -> dict[str, Any]:
    rows = session.scalars(select(Message).where(Message.patient_id == patient_id)
                           .order_by(Message.id))
    return {"service": "notify",
            "messages": [{column: getattr(row, column) for column in COLUMNS} for row in rows]}
