"""The message log, the opt-out list and the dev outbox, as staff see them."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.logging import mask_email, mask_phone, redact

from ..models import DevOutboxItem, Message, Suppression


def masked(channel: str, recipient: str) -> str:
    return mask_phone(recipient) if channel == "sms" else mask_email(recipient)


#: The patient's own link in a message's text: it opens their appointment, so only they
#: may see it (SPEC §8); the message log shows where it was, not what it was.
PATIENT_LINK = re.compile(r"https?://\S+?/p/[\w.~-]+")


def shown_text(text: str) -> str:
    """A message's text as staff see it in the log: the patient's link replaced, phones
    and emails masked."""
    return redact(PATIENT_LINK.sub("[patient link]", text))


def message_view(row: Message) -> dict[str, Any]:
    return {**{c: getattr(row, c) for c in (
        "id", "appointment_id", "event_type", "channel", "template", "language", "status",
        "reason", "attempts", "last_error", "provider", "provider_id",
        "segments", "send_after", "created_at", "sent_at")},
        "subject": shown_text(row.subject), "body": shown_text(row.body),
        "recipient": masked(row.channel, row.recipient), "has_ics": bool(row.ics)}


def messages(session: Session, *, limit: int, appointment_id: int | None = None,
             status: str | None = None, channel: str | None = None) -> list[dict[str, Any]]:
    """Messages, newest first, recipients masked."""
    statement = select(Message).order_by(Message.id.desc()).limit(limit)
    if appointment_id is not None:
        statement = statement.where(Message.appointment_id == appointment_id)
    if status is not None:
        statement = statement.where(Message.status == status)
    if channel is not None:
        statement = statement.where(Message.channel == channel)
    return [message_view(row) for row in session.scalars(statement)]


def opt_out_view(row: Suppression) -> dict[str, Any]:
    return {"id": row.id, "channel": row.channel, "recipient": masked(row.channel, row.recipient),
            "source": row.source, "note": row.note, "active": row.active,
            "created_at": row.created_at}


def opt_outs(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(Suppression).order_by(Suppression.id.desc()))
    return [opt_out_view(row) for row in rows]


def dev_outbox(session: Session, zone: ZoneInfo, limit: int = 200) -> list[dict[str, Any]]:
    """What the dev providers "sent", newest first, on the hospital's clock, masked."""
    return [{"channel": item.channel, "to": masked(item.channel, item.recipient),
             "at": item.created_at.astimezone(zone), "subject": item.subject,
             "body": item.body, "ics": bool(item.ics)}
            for item in session.scalars(select(DevOutboxItem)
                                        .order_by(DevOutboxItem.id.desc()).limit(limit))]
