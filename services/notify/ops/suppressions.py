"""Opt-outs: a patient who said no gets nothing more on that channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from services.common.contracts.booking import PatientContact
from services.common.db import table_of

from ..domain.statuses import MessageStatus
from ..models import Message, Suppression


def suppressed_channels(session: Session, patient: PatientContact) -> frozenset[str]:
    """The channels this patient opted out of, in one query for both."""
    reached = [(channel, recipient) for channel, recipient in
               (("sms", patient.phone), ("email", patient.email)) if recipient]
    if not reached:
        return frozenset()
    rows = session.execute(_ACTIVE, {"channels": [channel for channel, _ in reached],
                                     "recipients": [recipient for _, recipient in reached]})
    return frozenset(channel for channel, recipient in rows if (channel, recipient) in reached)


_TABLE = table_of(Suppression)
#: Built once (it runs for every event): both lists, so the (channel, recipient) key serves.
_ACTIVE = select(_TABLE.c.channel, _TABLE.c.recipient).where(
    _TABLE.c.active.is_(True), _TABLE.c.channel.in_(bindparam("channels", expanding=True)),
    _TABLE.c.recipient.in_(bindparam("recipients", expanding=True)))


def suppress(session: Session, channel: str, recipient: str, source: str, now: datetime,
             note: str = "") -> Suppression:
    """Record an opt-out and withdraw what is still waiting to go to that recipient."""
    row = session.scalar(select(Suppression).where(Suppression.channel == channel,
                                                   Suppression.recipient == recipient))
    if row is None:
        row = Suppression(channel=channel, recipient=recipient, created_at=now)
        session.add(row)
    row.active, row.source, row.note = True, source, note
    session.execute(update(Message).where(
        Message.channel == channel, Message.recipient == recipient,
        Message.status == MessageStatus.QUEUED)
        .values(status=MessageStatus.SUPPRESSED, reason="opted out", updated_at=now)
        .execution_options(synchronize_session=False))
    session.flush()
    return row


def opt_in_again(session: Session, suppression: Suppression, now: datetime) -> None:
    """The patient opted in again: messages may go to them from now on."""
    suppression.active = False
    suppression.note = f"{suppression.note} (opted in again {now:%Y-%m-%d})".strip()
