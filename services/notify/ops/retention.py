"""What notify keeps only for a while: delivery records, and the texts of old messages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, update

from services.common.db import changed
from services.common.event_handlers import SYSTEM
from services.common.retention import purge_delivered
from services.common.runtime import Runtime
from services.common.unit_of_work import unit_of_work

from ..config import NotifySettings
from ..domain.statuses import MessageStatus
from ..models import DeadLetter, DevOutboxItem, InboxRecord, Message

REDACTED = ""


def purge_old(rt: Runtime[NotifySettings]) -> int:
    """Handled-event records after ``OUTBOX_RETENTION_DAYS``; after
    ``MESSAGE_RETENTION_DAYS`` a message keeps its facts (channel, template, status,
    times) but not its recipient, text or invite, and the dev outbox's copy goes."""
    now, settings = rt.now(), rt.settings
    removed = purge_delivered(rt.db, before=now - timedelta(days=settings.outbox_retention_days),
                              inbox=InboxRecord, dead_letters=DeadLetter)
    old = now - timedelta(days=settings.message_retention_days)
    with unit_of_work(rt, SYSTEM, now=now) as work:
        session = work.session
        removed += changed(session, update(Message).where(
            Message.created_at < old, Message.status != MessageStatus.QUEUED,
            Message.body != REDACTED)
            .values(recipient=REDACTED, subject=REDACTED, body=REDACTED, ics=None, facts=None,
                    sms_call=None)
            .execution_options(synchronize_session=False))
        removed += changed(session, delete(DevOutboxItem).where(DevOutboxItem.created_at < old))
    return removed
