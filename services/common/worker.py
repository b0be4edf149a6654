"""Runs a service's background loops (relay, consumer, timers) until told to stop."""

from __future__ import annotations

import logging
import signal
import threading
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


def run_loops(loops: dict[str, Loop], stop: threading.Event | None = None,
              install_signals: bool = True) -> None:
    """Run each loop in its own thread; SIGTERM or SIGINT stops them all cleanly."""
    stop = stop or threading.Event()
    received: list[int] = []
    if install_signals:
        def _stop(signum: int, _frame: Any) -> None:
            # No logging here: a signal can arrive while this thread is inside the log
            # handler's write, and writing again from the handler is a reentrant call.
            received.append(signum)
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)

    threads = []
    for name, loop in loops.items():
        thread = threading.Thread(target=_guard(name, loop, stop), name=name, daemon=True)
        thread.start()
        threads.append(thread)
    log.info("worker running: %s", ", ".join(loops))
    while not stop.is_set() and all(t.is_alive() for t in threads):
        stop.wait(0.5)
    stop.set()
    if received:
        log.info("signal %s received, stopping", received[0])
    for thread in threads:
        thread.join(timeout=10)
    log.info("worker stopped")


def _guard(name: str, loop: Loop, stop: threading.Event) -> Callable[[], None]:
    def target() -> None:
        try:
            loop(stop)
        except Exception:
            log.exception("loop %s crashed; stopping so the supervisor restarts us", name)
            stop.set()

    return target
