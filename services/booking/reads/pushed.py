"""The console's counts pushed to every open console: one read per change per scope.

A console subscribes to a scope — the department (or expert) and the days its grid shows,
the very query it polled ``/availability/counts`` with. The :class:`Hub` of the stream
process keeps one :class:`Topic` per scope with subscribers and, in one thread of its
own, reads a topic's counts again when something may have changed, then hands the new
answer (the poll's own body and ETag) to every subscriber of it — to a subscriber that
had the answer just before, only the rows that changed. Fifty consoles on one
department-day cost one read per change, not fifty.

When is a topic read again:

- every ``TICK_SECONDS`` the slots' fingerprint (``polls._stamp``, one small aggregate per
  scope, whatever the number of consoles) is asked, and the counts only when it changed:
  a booking, a cancel, a hold shows within that tick;
- on PostgreSQL, at once when a notification names a slot of its department and days
  (the trigger on ``slots``, :mod:`.shut`: a slot becoming full or stopped, or open
  again), and every topic when a web process tells ``booking_counts`` after committing
  a change of places (``polls._Teller``: not from inside the booking's transaction,
  whose commit would then wait for every other notifying commit — see the migration
  ``7d3e9a41c2b5``) — once for any number that arrive while the previous read runs;
- in any case every ``REFRESH_SECONDS``: what only the clock changes (a hold running
  out before the worker sweeps it, a cut-off passing) has no write to tell of it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import psycopg

from services.common.changes import ChangeFeed
from services.common.runtime import Runtime
from services.common.unit_of_work import reading

from .availability import counts
from .polls import COUNTS_CHANNEL, Polled, _stamp
from .shut import CHANNEL

log = logging.getLogger(__name__)

TICK_SECONDS = 0.2
REFRESH_SECONDS = 2.0

#: (first day, days, department_id, expert_id): what a console's grid shows.
Scope = tuple[date, int, int | None, int | None]


@dataclass
class Topic:
    """One scope's latest answer; ``seq`` grows with every new answer."""

    scope: Scope
    watchers: int = 0
    seq: int = 0
    polled: Polled | None = None
    #: The answer as an event, whole; and only the rows that changed since the answer
    #: before (None when the version changed): what a subscriber one answer behind gets.
    whole: bytes = b""
    delta: bytes | None = None
    version: str = ""
    rows: dict[int, list[Any]] = field(default_factory=dict, repr=False)
    dirty: bool = True
    made: float = 0.0
    checked: float = 0.0
    stamp: tuple[Any, ...] | None = field(default=None, repr=False)

    def covers(self, department_id: Any, expert_id: Any, day: date) -> bool:
        first, days, department, expert = self.scope
        if not first <= day < first + timedelta(days=days):
            return False
        if department is not None and department != department_id:
            return False
        return expert is None or expert == expert_id


class Hub:
    """The stream process's topics and the one thread that reads them (see the module)."""

    def __init__(self, rt: Runtime[Any]) -> None:
        self.rt = rt
        self.topics: dict[Scope, Topic] = {}
        self.changed = threading.Condition()
        self.reads = 0  # counts read, for the logs and the tests
        self.feed: ChangeFeed | None = None
        if rt.db.dialect == "postgresql":
            self.feed = ChangeFeed(rt.db.url, CHANNEL, load=self._reload, apply=self._heard,
                                   lost=lambda: self._reload(None), also=(COUNTS_CHANNEL,))
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self) -> Hub:
        if self._thread is None:
            if self.feed is not None:
                self.feed.start()
            self._thread = threading.Thread(target=self._run, name="push-hub", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with self.changed:
            self.changed.notify_all()
        if self.feed is not None:
            self.feed.stop()

    @property
    def stopping(self) -> bool:
        """The process is stopping: every open stream ends (its console reconnects to
        the next process, or polls meanwhile)."""
        return self._stop.is_set()

    # --- the subscribers' side ------------------------------------------------------

    def subscribe(self, scope: Scope) -> Topic:
        with self.changed:
            topic = self.topics.get(scope)
            if topic is None:
                topic = self.topics[scope] = Topic(scope)
            topic.watchers += 1
            self.changed.notify_all()
            return topic

    def unsubscribe(self, topic: Topic) -> None:
        with self.changed:
            topic.watchers -= 1
            if topic.watchers <= 0 and self.topics.get(topic.scope) is topic:
                del self.topics[topic.scope]

    def next_event(self, topic: Topic, seen: int, timeout: float) -> tuple[int, bytes | None]:
        """The topic's answer newer than ``seen`` as an event — only the changed rows when
        ``seen`` is the answer just before — and its seq; ``(seen, None)`` when nothing new
        came within ``timeout``."""
        with self.changed:
            self.changed.wait_for(lambda: topic.seq != seen or self._stop.is_set(), timeout)
            if topic.seq == seen:
                return seen, None
            if topic.delta is not None and topic.seq == seen + 1:
                return topic.seq, topic.delta
            return topic.seq, topic.whole

    # --- the reading thread ----------------------------------------------------------

    def _heard(self, payload: dict[str, Any]) -> None:
        try:
            day = date.fromisoformat(str(payload["day"]))
            department_id, expert_id = payload.get("department_id"), payload.get("expert_id")
        except (KeyError, ValueError):  # booking_counts: some counts changed, somewhere
            return self._reload(None)
        with self.changed:
            for topic in self.topics.values():
                if topic.covers(department_id, expert_id, day):
                    topic.dirty = True
            self.changed.notify_all()

    def _reload(self, _connection: psycopg.Connection[Any] | None) -> None:
        """The feed (re)connected or was lost: anything may have changed meanwhile."""
        with self.changed:
            for topic in self.topics.values():
                topic.dirty = True
            self.changed.notify_all()

    def _due(self, now: float) -> list[Topic]:
        return [topic for topic in self.topics.values()
                if topic.dirty or now - topic.made >= REFRESH_SECONDS
                or now - topic.checked >= TICK_SECONDS]

    def _run(self) -> None:
        while not self._stop.is_set():
            with self.changed:
                self.changed.wait_for(
                    lambda: self._stop.is_set() or any(t.dirty for t in self.topics.values()),
                    TICK_SECONDS)
                due = self._due(time.monotonic())
            for topic in due:
                try:
                    self._refresh(topic)
                except Exception:  # the database away: the next tick tries again
                    log.exception("push: reading a scope's counts failed")
                    self._stop.wait(TICK_SECONDS)

    def _refresh(self, topic: Topic) -> None:
        first, days, department_id, expert_id = topic.scope
        now = time.monotonic()
        with reading(self.rt, "stream") as w:
            stamp = _stamp(w.session, first, days, department_id, expert_id)
            whole = topic.dirty or now - topic.made >= REFRESH_SECONDS or stamp != topic.stamp
            if not whole:
                topic.checked = now
                return
            with self.changed:
                topic.dirty = False  # a change heard from now on is read again
            version, rows = counts(w.session, w.desk, first, days, department_id, expert_id)
        self.reads += 1
        body = json.dumps({"version": version, "slots": rows}, separators=(",", ":")).encode()
        polled = Polled(hashlib.blake2b(body, digest_size=12).hexdigest(), body)
        with self.changed:
            topic.made = topic.checked = now
            topic.stamp = stamp
            if topic.polled is not None and topic.polled.etag == polled.etag:
                return
            same_grid = topic.polled is not None and topic.version == version
            changed = [row for row in rows if topic.rows.get(row[0]) != row]
            topic.delta = _event(polled.etag, json.dumps(
                {"version": version, "slots": changed}, separators=(",", ":")).encode()
            ) if same_grid else None
            topic.whole = _event(polled.etag, body)
            topic.rows = {row[0]: row for row in rows}
            topic.version = version
            topic.polled = polled
            topic.seq += 1
            self.changed.notify_all()


def _event(etag: str, data: bytes) -> bytes:
    """A server-sent event ``counts``: the answer's ETag as its id, the JSON as its data."""
    return b"id: " + etag.encode() + b"\nevent: counts\ndata: " + data + b"\n\n"
