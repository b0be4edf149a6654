"""The console's poll, answered from memory while its department-day is unchanged.

A poll within a quarter second of the last look at the database is answered from
memory outright (fifty consoles polling cost one query, not fifty). Otherwise it asks
one small question — a fingerprint of the slots' counts and states (``_stamp``) — and
reuses the answer while the fingerprint is the same and the answer is under a second
old. A booking, hold, cancellation or stop made in this process is seen at once (it
forgets the kept answers when it commits); one made in another process within a
quarter second; what only the clock changes (a hold running out, a cut-off passing)
within a second.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import URL, case, event, func, select
from sqlalchemy.orm import Mapper, Session, object_session

from services.common.db import after_commit_once

from ..domain.rules import BookingDesk
from ..domain.statuses import SlotStatus
from ..models import Expert, Slot
from .availability import SHOWN, counts

SURE_SECONDS = 0.25  # since the database last confirmed the answer: not asked again
FRESH_SECONDS = 1.0  # since the answer was made: the clock may have changed a state
KEPT_AT_MOST = 500  # department-days kept per process; past that the memory starts afresh


@dataclass(frozen=True)
class Polled:
    etag: str
    body: bytes


@dataclass
class _Kept:
    made: float
    checked: float
    stamp: tuple[Any, ...]
    polled: Polled


_kept: dict[tuple[Any, ...], _Kept] = {}


def polled_counts(session: Session, desk: BookingDesk, first: date, days: int,
                  department_id: int | None, expert_id: int | None) -> Polled:
    database = session.get_bind().engine.url
    key = (database, first, days, department_id, expert_id)
    now = time.monotonic()
    found = _kept.get(key)
    if found is not None and now - found.made >= FRESH_SECONDS:
        found = None
    if found is not None and now - found.checked < SURE_SECONDS:
        return found.polled
    stamp = _stamp(session, first, days, department_id, expert_id)
    if found is not None and stamp == found.stamp:
        found.checked = now
        return found.polled
    version, rows = counts(session, desk, first, days, department_id, expert_id)
    body = json.dumps({"version": version, "slots": rows}, separators=(",", ":")).encode()
    polled = Polled(hashlib.blake2b(body, digest_size=12).hexdigest(), body)
    if len(_kept) >= KEPT_AT_MOST:
        _kept.clear()
    _kept[key] = _Kept(now, now, stamp, polled)
    return polled


def forget_polls_when_committed(session: Session) -> None:
    """This session changes places: once it commits, this process's polls look again."""
    database = session.get_bind().engine.url
    after_commit_once(session, "forget polls", lambda: _forget(database))


def _slot_or_expert_written(_mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    """Slots published or stopped, an expert renamed or gone: written as objects (places
    change by statement and call :func:`forget_polls_when_committed` themselves)."""
    session = object_session(target)
    if session is not None:
        forget_polls_when_committed(session)


for _model in (Slot, Expert):
    for _moment in ("after_insert", "after_update"):
        event.listen(_model, _moment, _slot_or_expert_written)


def _forget(database: URL) -> None:
    for key in [key for key in _kept if key[0] == database]:
        _kept.pop(key, None)
    if database.get_backend_name() == "postgresql":
        _teller.tell(database)


COUNTS_CHANNEL = "booking_counts"


class _Teller:
    """Tells the stream process (``reads/pushed.py``) that this process changed counts,
    after the commit and off the request's thread: ``NOTIFY booking_counts`` on a
    connection of its own, with ``synchronous_commit`` off.

    Not in the booking's transaction: a notifying commit holds PostgreSQL's notify lock
    until its WAL is flushed, so every booking would wait for every other (see migration
    ``7d3e9a41c2b5``). A NOTIFY alone, committed without waiting for the flush, holds it
    for microseconds; a crash may lose one, and the stream's fingerprint tick (0.2 s)
    shows the change anyway. Changes told while one is being sent go out as one."""

    def __init__(self) -> None:
        self._pending: set[URL] = set()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._connections: dict[URL, Any] = {}

    def tell(self, database: URL) -> None:
        with self._lock:
            self._pending.add(database)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="tell-counts",
                                                daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            with self._lock:
                pending, self._pending = self._pending, set()
            for database in pending:
                self._send(database)

    def _send(self, database: URL) -> None:
        import psycopg

        from services.common.changes import conninfo

        try:
            connection = self._connections.get(database)
            if connection is None or connection.closed:
                connection = psycopg.connect(
                    conninfo(database.render_as_string(hide_password=False)),
                    autocommit=True, options="-c synchronous_commit=off")
                self._connections[database] = connection
            connection.execute(f"NOTIFY {COUNTS_CHANNEL}")
        except psycopg.Error:
            self._connections.pop(database, None)  # the tick shows the change; retry later


_teller = _Teller()


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
