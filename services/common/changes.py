"""A process's ear on its database: PostgreSQL ``LISTEN`` on one connection of its own.

A trigger (or any statement) sends ``pg_notify(channel, payload)`` inside the transaction
that makes a change; PostgreSQL delivers it when that transaction commits, to every
connection listening on the channel in that database. :class:`ChangeFeed` keeps one such
connection in a daemon thread and hands each payload (JSON) to ``apply``.

What a process builds from the feed is only as good as the connection: ``live`` is true
once the connection listens, ``load`` has read the state it starts from and what was
already queued is applied, and while the connection answers (a notification or a
``SELECT 1`` at least every ``PING_SECONDS``). A connection that is lost (a restart,
``pg_terminate_backend``, the network) makes ``live`` false at once when the error
arrives, and within ``STALE_SECONDS`` when nothing arrives at all; the feed then
connects again, listens, loads again, and only then is live again. Callers read the
database whenever the feed is not live.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

PING_SECONDS = 1.0  # an idle connection is asked SELECT 1 this often
STALE_SECONDS = 3.0  # no answer for this long: the feed is not trusted
RETRY_SECONDS = (0.05, 0.2, 1.0, 5.0)  # waits between attempts to connect again


def conninfo(url: str) -> str:
    """A libpq URI for a SQLAlchemy ``postgresql+psycopg://`` URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class ChangeFeed:
    """One ``LISTEN`` connection, in a thread of its own (see the module's docstring).

    ``load(connection)`` reads the starting state after ``LISTEN`` (so nothing committed
    after it is missed), ``apply(payload)`` takes each notification in commit order, and
    ``lost()`` is called when the connection goes (the state is not trusted from then on).
    """

    def __init__(self, url: str, channel: str, *, load: Callable[[psycopg.Connection[Any]], None],
                 apply: Callable[[dict[str, Any]], None],
                 lost: Callable[[], None] = lambda: None, also: tuple[str, ...] = ()) -> None:
        if not all(name.isidentifier() for name in (channel, *also)):
            raise ValueError("a channel is a plain identifier")
        self.conninfo = conninfo(url)
        self.channel = channel
        self.channels = (channel, *also)
        self.load, self.apply, self.lost = load, apply, lost
        self._ready = False
        self._heard = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self.connection: psycopg.Connection[Any] | None = None  # the tests end it on purpose
        self.backend_pid: int | None = None

    @property
    def live(self) -> bool:
        return self._ready and time.monotonic() - self._heard < STALE_SECONDS

    def start(self) -> ChangeFeed:
        """Start the thread once (later calls do nothing)."""
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=f"listen-{self.channel}",
                                                daemon=True)
                self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # the thread sees it within PING_SECONDS
        if self._thread is not None:
            self._thread.join(timeout=PING_SECONDS * 3)

    def wait_live(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while not self.live and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.live

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self._listen()
                failures = 0
            except psycopg.Error as exc:
                if getattr(exc, "sqlstate", None) == "3D000":  # the database is gone
                    log.info("change feed %s: the database no longer exists; stopped",
                             self.channel)
                    return
                if failures == 0:
                    log.warning("change feed %s lost its connection (%s); reading the "
                                "database until it is back", self.channel, type(exc).__name__)
                failures += 1
            finally:
                self._ready = False
                self.connection = None
                self.lost()
            self._stop.wait(RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1]
                            if failures else RETRY_SECONDS[0])

    def _listen(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True,
                             options="-c TimeZone=UTC") as connection:
            self.connection = connection
            self.backend_pid = connection.info.backend_pid
            for channel in self.channels:
                connection.execute(f"LISTEN {channel}")
            self.load(connection)
            self._take(connection, 0.0)  # what committed while loading, before trusting
            self._heard = time.monotonic()
            self._ready = True
            if self.backend_pid is not None:
                log.info("change feed %s listening", self.channel)
            while not self._stop.is_set():
                self._take(connection, PING_SECONDS)
                connection.execute("SELECT 1")
                self._heard = time.monotonic()

    def _take(self, connection: psycopg.Connection[Any], seconds: float) -> None:
        for note in connection.notifies(timeout=seconds):
            self._heard = time.monotonic()
            try:
                payload = json.loads(note.payload) if note.payload else {}
            except ValueError:
                continue
            self.apply(payload)
