"""Everything notify holds on one patient, for their request to see it (PIPL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Message
from .messages import PATIENT_LINK

#: What an export shows where a message carried the patient's own link: the link opens
#: their appointment, so it appears only in the booking answer and in the messages
#: themselves (SPEC §8), never in a download that travels further.
LINK_PLACEHOLDER = "[患者链接]"
TEXTS = ("subject", "body")


def without_links(text: str | None) -> str | None:
    return PATIENT_LINK.sub(LINK_PLACEHOLDER, text) if text else text

COLUMNS = ("id", "appointment_id", "event_type", "channel", "template", "language",
           "recipient", "subject", "body", "status", "reason", "attempts", "provider",
           "provider_id", "send_after", "created_at", "sent_at")


def export_of(session: Session, patient_id: int) -> dict[str, Any]:
    rows = session.scalars(select(Message).where(Message.patient_id == patient_id)
                           .order_by(Message.id))
    return {"service": "notify",
            "messages": [{column: without_links(getattr(row, column)) if column in TEXTS
                          else getattr(row, column) for column in COLUMNS} for row in rows]}
