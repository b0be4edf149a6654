"""Opt-outs: a patient who said no gets nothing more on that channel."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, tuple_, update
from sqlalchemy.orm import Session

from services.common.db import table_of
from services.common.events import Event
from services.common.refusals import NotFound
from services.common.unit_of_work import Work

from ..domain.recipients import normalise_recipient
from ..domain.statuses import MessageStatus
from ..domain.visit import Patient
from ..models import Message, Suppression


def suppressed_channels(session: Session, patient: Patient) -> frozenset[str]:
    """The channels this patient opted out of, in one query for both (none when the
    batch's look, :func:`remember_opt_outs`, already answered for these recipients)."""
    pairs = _pairs(patient.phone, patient.email)
    known: _Known | None = session.info.get(_BATCH_LOOK)
    found = (known[1] & pairs if known is not None and pairs <= known[0]
             else opted_out(session, pairs))
    return frozenset(channel for channel, _recipient in found)


def remember_opt_outs(session: Session, events: list[Event]) -> None:
    """Ask once for the opt-outs of every patient in a batch of events, for
    :func:`suppressed_channels` to answer each from (the consumer's ``before_batch``).

    Kept in the session's ``info`` (the batch's transaction only), so it is as fresh as
    a per-event look would be within that transaction; the sender looks again at claim.
    """
    asked: set[tuple[str, str]] = set()
    for event in events:
        patient = event.data.get("patient") if isinstance(event.data, dict) else None
        if isinstance(patient, dict):
            asked |= _pairs(patient.get("phone"), patient.get("email"))
    session.info[_BATCH_LOOK] = (frozenset(asked), opted_out(session, asked))


_BATCH_LOOK = "notify_opt_outs_of_the_batch"
_Known = tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]]


def _pairs(phone: object, email: object) -> set[tuple[str, str]]:
    pairs = set()
    if isinstance(phone, str) and phone:
        pairs.add(("sms", phone))
    if isinstance(email, str) and email:
        pairs.add(("email", email))
    return pairs


_TABLE = table_of(Suppression)
#: One statement for any number of pairs (an expanding IN of row values; SQLite too).
_OPTED_OUT = select(_TABLE.c.channel, _TABLE.c.recipient).where(
    _TABLE.c.active.is_(True),
    tuple_(_TABLE.c.channel, _TABLE.c.recipient).in_(bindparam("pairs", expanding=True)))


def opted_out(session: Session,
              recipients: Iterable[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    """Which of these (channel, recipient) pairs opted out, in one query.

    The sender asks this when it claims messages: an opt-out recorded while a message
    was being planned withdraws only what was already committed, so the planner's own
    look may be out of date by the time the message is due."""
    pairs = sorted(set(recipients))
    if not pairs:
        return frozenset()
    return frozenset((channel, recipient) for channel, recipient
                     in session.execute(_OPTED_OUT, {"pairs": pairs}))


def suppress(session: Session, channel: str, recipient: str, source: str, now: datetime,
             note: str = "") -> Suppression:
    """Record an opt-out and withdraw what is still waiting to go to that recipient.

    A message a sender has taken (``handed_at`` set) is left to it: it may be with the
    provider already. A sender at work records what happened; one that died left it
    in doubt, and the next claim asks the provider before calling it withdrawn."""
    row = session.scalar(select(Suppression).where(Suppression.channel == channel,
                                                   Suppression.recipient == recipient))
    if row is None:
        row = Suppression(channel=channel, recipient=recipient, created_at=now)
        session.add(row)
    row.active, row.source, row.note = True, source, note
    session.execute(update(Message).where(
        Message.channel == channel, Message.recipient == recipient,
        Message.status == MessageStatus.QUEUED, Message.handed_at.is_(None))
        .values(status=MessageStatus.SUPPRESSED, reason="opted out", updated_at=now)
        .execution_options(synchronize_session=False))
    session.flush()
    return row


def opt_out(work: Work[Any], channel: str, raw: str, note: str) -> Suppression:
    """Staff record that a patient said no to ``channel`` at this phone or address (as
    written: made comparable here, refused if it is neither)."""
    recipient = normalise_recipient(channel, raw, work.rt.settings.phone_region)
    return suppress(work.session, channel, recipient, "api", work.desk.now, note)


def opt_in_again(work: Work[Any], opt_out_id: int) -> None:
    """The patient opted in again: messages may go to them from now on."""
    suppression = work.session.get(Suppression, opt_out_id)
    if suppression is None:
        raise NotFound("opt-out")
    now = work.desk.now
    suppression.active = False
    suppression.note = f"{suppression.note} (opted in again {now:%Y-%m-%d})".strip()
