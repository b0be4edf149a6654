"""What the SMS gateway tells us later: delivery receipts and patients' replies."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.consent import is_opt_out
from ..domain.statuses import MessageStatus
from ..models import EarlyReceipt, Message
from .suppressions import suppress

DELIVERED_OR_SENT = (MessageStatus.SENT, MessageStatus.DELIVERED)


#: An early receipt whose message never shows up is not ours (or its message was never
#: recorded as sent): dropped after this long.
EARLY_RECEIPT_KEPT = timedelta(days=1)
EARLY_BATCH = 500


def record_receipt(session: Session, provider_id: str, status: MessageStatus,
                   error: str | None, now: datetime) -> str:
    """Delivered or failed at the carrier. A receipt for a message not (yet) recorded
    with that id waits: the carrier can be faster than the sender's own write."""
    row = _sent_as(session, [provider_id]).get(provider_id)
    if row is None:
        session.add(EarlyReceipt(provider_id=provider_id, status=status.value, error=error,
                                 received_at=now))
        return "unknown message"
    return _apply(row, status, error, now)


def apply_early_receipts(session: Session, now: datetime) -> tuple[int, int]:
    """Apply the receipts that came before their message was recorded, now that it is;
    drop those whose message has not appeared in ``EARLY_RECEIPT_KEPT``. Returns how
    many were applied and how many dropped. Two workers share the rows out (``SKIP
    LOCKED`` on PostgreSQL) instead of applying and deleting the same ones."""
    early = session.scalars(select(EarlyReceipt).order_by(EarlyReceipt.id)
                            .limit(EARLY_BATCH).with_for_update(skip_locked=True)).all()
    if not early:
        return 0, 0
    sent = _sent_as(session, [receipt.provider_id for receipt in early])
    applied = dropped = 0
    for receipt in early:
        message = sent.get(receipt.provider_id)
        if message is not None:
            _apply(message, MessageStatus(receipt.status), receipt.error, now)
            applied += 1
        elif receipt.received_at >= now - EARLY_RECEIPT_KEPT:
            continue
        else:
            dropped += 1
        session.delete(receipt)
    return applied, dropped


def any_early(session: Session) -> bool:
    """Whether any receipt waits (asked in a read, so an idle worker takes no write lock)."""
    return session.scalar(select(EarlyReceipt.id).limit(1)) is not None


def _sent_as(session: Session, provider_ids: list[str]) -> dict[str, Message]:
    rows = session.scalars(select(Message).where(Message.provider_id.in_(provider_ids),
                                                 Message.channel == "sms"))
    return {row.provider_id: row for row in rows if row.provider_id is not None}


def _apply(row: Message, status: MessageStatus, error: str | None, now: datetime) -> str:
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
