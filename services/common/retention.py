"""Keeping data only as long as it serves (SPEC §8, "Retention").

Published outbox rows and inbox records exist to make delivery exactly-once; after
``OUTBOX_RETENTION_DAYS`` (default 7) no broker redelivers anything that old, so
they go, and with them the copies of patients' details that events carry.
Replayed dead letters go too; parked ones stay until someone looks at them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete

from .db import Database, changed
from .inbox import DeadLetterMixin, InboxMixin
from .outbox import OutboxMixin


def purge_delivered(db: Database, *, before: datetime, outbox: type[OutboxMixin] | None = None,
                    inbox: type[InboxMixin] | None = None,
                    dead_letters: type[DeadLetterMixin] | None = None) -> int:
    """Delete what only served delivery and is older than ``before``; return the count."""
    statements: list[Any] = []
    if outbox is not None:
        statements.append(delete(outbox).where(outbox.published_at.is_not(None),
                                               outbox.published_at < before))
    if inbox is not None:
        statements.append(delete(inbox).where(inbox.processed_at < before))
    if dead_letters is not None:
        statements.append(delete(dead_letters).where(dead_letters.replayed_at.is_not(None),
                                                     dead_letters.replayed_at < before))
    with db.transaction() as session:
        return sum(changed(session, statement) for statement in statements)
