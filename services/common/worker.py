"""Runs a service's background loops (relay, consumer, timers) until told to stop."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .db import is_transient

log = logging.getLogger(__name__)

Loop = Callable[[threading.Event], None]


@dataclass
class Periodic:
    """Calls ``action`` every ``interval`` seconds; an error is logged, not fatal."""

    name: str
    interval: float
    action: Callable[[], Any]

    def __call__(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.action()
            except Exception as exc:
                if is_transient(exc):
                    log.warning("periodic task %s waits for the database: %s", self.name,
                                type(exc).__name__)
                else:
                    log.exception("periodic task %s failed", self.name)
            stop.wait(self.interval)


STOP_WAIT = 10.0  # seconds the loops have, all together, to finish what they hold


class StopSignals:
    """Notes the stop signals (SIGTERM, SIGINT) that arrived, and nothing more.

    The handler only appends to a list. Setting an Event from it takes the Event's
    lock, and a second signal landing inside that (Ctrl-C reaches every process of
    the group, then the supervisor sends SIGTERM) re-entered the handler and waited
    for the lock forever; logging from it is a reentrant write. Whoever waits polls
    ``received`` instead.
    """

    def __init__(self) -> None:
        self.received: list[int] = []

    def note(self, signum: int, _frame: Any) -> None:
        self.received.append(signum)

    def install(self) -> None:
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, self.note)


def run_loops(loops: dict[str, Loop], stop: threading.Event | None = None,
              install_signals: bool = True) -> None:
    """Run each loop in its own thread; SIGTERM or SIGINT stops them all cleanly."""
    stop = stop or threading.Event()
    signals = StopSignals()
    if install_signals:
        signals.install()
    threads = []
    for name, loop in loops.items():
        thread = threading.Thread(target=_guard(name, loop, stop), name=name, daemon=True)
        thread.start()
        threads.append(thread)
    log.info("worker running: %s", ", ".join(loops))
    while not stop.is_set() and not signals.received and all(t.is_alive() for t in threads):
        stop.wait(0.2)
    stop.set()
    if signals.received:
        log.info("signal %s received, stopping", signals.received[0])
    deadline = time.monotonic() + STOP_WAIT
    for thread in threads:
        thread.join(timeout=max(deadline - time.monotonic(), 0.0))
    still = [t.name for t in threads if t.is_alive()]
    if still:
        log.warning("loops still busy after %.0f s, leaving them: %s", STOP_WAIT, ", ".join(still))
    log.info("worker stopped")


def _guard(name: str, loop: Loop, stop: threading.Event) -> Callable[[], None]:
    def target() -> None:
        try:
            loop(stop)
        except Exception:
            log.exception("loop %s crashed; stopping so the supervisor restarts us", name)
            stop.set()

    return target
