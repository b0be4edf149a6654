"""The console's poll, answered from memory while its department-day is unchanged.

Each poll asks the database one small question — a fingerprint of the slots' counts
and states (``_stamp``) — and reuses the last answer when the fingerprint is the same
and the answer is under a second old. A booking, a hold, a cancellation or a stop in
any process changes the fingerprint, so the next poll sees it; what only the clock
changes (a hold running out, a cut-off passing) shows within the second.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..domain.desk import Desk
from ..domain.statuses import SlotStatus
from ..models import Slot
from .availability import SHOWN, counts

FRESH_SECONDS = 1.0
KEPT_AT_MOST = 500  # department-days kept per process; past that the memory starts afresh


@dataclass(frozen=True)
class Polled:
    etag: str
    body: bytes


_kept: dict[tuple[Any, ...], tuple[float, tuple[Any, ...], Polled]] = {}


def polled_counts(session: Session, desk: Desk, first: date, days: int,
                  department_id: int | None, expert_id: int | None) -> Polled:
    key = (session.get_bind().engine.url, first, days, department_id, expert_id)
    stamp = _stamp(session, first, days, department_id, expert_id)
    now = time.monotonic()
    found = _kept.get(key)
    if found is not None and found[1] == stamp and now - found[0] < FRESH_SECONDS:
        return found[2]
    version, rows = counts(session, desk, first, days, department_id, expert_id)
    body = json.dumps({"version": version, "slots": rows}, separators=(",", ":")).encode()
    polled = Polled(hashlib.blake2b(body, digest_size=12).hexdigest(), body)
    if len(_kept) >= KEPT_AT_MOST:
        _kept.clear()
    _kept[key] = (now, stamp, polled)
    return polled


def _weight(column: Any) -> Any:
    """A spread of slot ids over 1..46337, so that two changes in different slots cannot
    cancel out in a sum (the products stay inside a 32-bit integer on both databases)."""
    return (column % 46337) * 46327 % 46337 + 1


def _stamp(session: Session, first: date, days: int, department_id: int | None,
           expert_id: int | None) -> tuple[Any, ...]:
    weight = _weight(Slot.id)
    query = select(
        func.count(), func.coalesce(func.sum(Slot.id), 0),
        func.coalesce(func.sum(Slot.booked * weight), 0),
        func.coalesce(func.sum(Slot.held * weight), 0),
        func.coalesce(func.sum(Slot.overbooked * weight), 0),
        func.coalesce(func.sum(case((Slot.status == SlotStatus.CANCELLED, weight), else_=0)), 0),
    ).where(Slot.status.in_(SHOWN), Slot.day >= first, Slot.day < first + timedelta(days=days))
    if department_id:
        query = query.where(Slot.department_id == department_id)
    if expert_id:
        query = query.where(Slot.expert_id == expert_id)
    row = session.connection().execute(query).one()
    return tuple(int(value) for value in row)
