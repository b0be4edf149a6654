"""A carrier platform's receipt that names its message two ways: the vendor's id and ours.

Alibaba Cloud's ``SmsReport`` carries ``biz_id`` (what ``SendSms`` answered, recorded as
the message's provider id) and ``out_id`` (our reference, ``msg-<id>``). A message found
by ``QuerySendDetails`` after a lost answer is recorded under our reference, because that
query names no ``BizId``; its receipt still finds it, by ``out_id``.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.statuses import MessageStatus
from ..models import Message
from .receipts import record_receipt

#: Our reference as the sender gives it to providers (``Outgoing.ref``).
OUR_REFERENCE = re.compile(r"msg-[0-9]{1,18}")


def record_carrier_receipt(session: Session, vendor_id: str, our_ref: str | None,
                           status: MessageStatus, error: str | None, now: datetime) -> str:
    """Delivered or failed, for the message recorded under either name (the vendor's id
    first). A receipt faster than the sender's own write waits under both names (the
    receipts op keeps it), since the sender records one or the other."""
    names = [vendor_id]
    if our_ref and our_ref != vendor_id and OUR_REFERENCE.fullmatch(our_ref):
        names.append(our_ref)
    known = set(session.scalars(select(Message.provider_id).where(
        Message.provider_id.in_(names), Message.channel == "sms")))
    for name in names:
        if name in known:
            return record_receipt(session, name, status, error, now)
    for name in names:
        record_receipt(session, name, status, error, now)
    return "unknown message"
