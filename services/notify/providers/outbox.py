"""The dev outbox: messages are written to a table the outbox page shows, never sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from services.common.db import Database, utcnow

from ..models import DevOutboxItem
from .base import Outgoing


class OutboxProvider:
    """Keeps each message once (by its ref), so a retry shows one message, as it should."""

    def __init__(self, db: Database, channel: str) -> None:
        self.db = db
        self.name = f"outbox-{channel}"

    def send(self, item: Outgoing) -> str:
        with self.db.transaction() as session:
            existing = session.scalar(select(DevOutboxItem.id)
                                      .where(DevOutboxItem.message_ref == item.ref))
            if existing is None:
                row = DevOutboxItem(message_ref=item.ref, channel=item.channel, recipient=item.to,
                                    subject=item.subject, body=item.body, ics=item.ics,
                                    created_at=utcnow())
                session.add(row)
                session.flush()
                existing = row.id
        return f"outbox-{existing}"

    def lookup(self, item: Outgoing, handed_at: datetime | None) -> str | None:
        ref = item.ref
        with self.db.reading() as session:
            existing = session.scalar(select(DevOutboxItem.id)
                                      .where(DevOutboxItem.message_ref == ref))
        return f"outbox-{existing}" if existing is not None else None
