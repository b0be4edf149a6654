"""What the SMS gateway tells us later: delivery receipts and patients' replies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.consent import is_opt_out
from ..domain.statuses import MessageStatus
from ..models import Message
from .suppressions import suppress

DELIVERED_OR_SENT = (MessageStatus.SENT, MessageStatus.DELIVERED)


def record_receipt(session: Session, provider_id: str, status: MessageStatus,
                   error: str | None, now: datetime) -> str:
    """Delivered or failed at the carrier; a receipt for an unknown message changes nothing."""
    row = session.scalar(select(Message).where(Message.provider_id == provider_id,
                                               Message.channel == "sms"))
    if row is None:
        return "unknown message"
    if row.status in DELIVERED_OR_SENT:
        row.status = status
        if status == MessageStatus.FAILED:
            row.last_error = error or "failed at the carrier"
        row.updated_at = now
    return row.status


def record_reply(session: Session, phone: str, text: str, now: datetime) -> str:
    """A reply that is an opt-out keyword suppresses every later SMS to that number."""
    if not is_opt_out(text):
        return "ignored"
    suppress(session, "sms", phone, "keyword", now, f"replied {text.strip()[:20]}")
    return "opted out"
