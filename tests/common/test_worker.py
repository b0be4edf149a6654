"""The worker runner: loops in threads, stopped cleanly by a signal."""

from __future__ import annotations

import inspect
import logging
import os
import signal
import sys
import threading
import time

import pytest

from services.common.worker import StopSignals, run_loops


@pytest.fixture
def restore_signals():
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


def test_a_signal_stops_every_loop_and_the_handler_itself_logs_nothing(
        restore_signals, monkeypatch, caplog) -> None:
    """A signal can land while the main thread is inside the log handler's write; a
    handler that logs then writes again from inside it, and Python refuses that
    ("reentrant call inside BufferedWriter", seen when make run stopped)."""
    logged_from_handler: list[str] = []
    real_handle = logging.Logger.handle

    def handle(self: logging.Logger, record: logging.LogRecord) -> None:
        if any(frame.function == "note" for frame in inspect.stack()):
            logged_from_handler.append(record.getMessage())
        real_handle(self, record)

    monkeypatch.setattr(logging.Logger, "handle", handle)
    caplog.set_level(logging.INFO, logger="services.common.worker")
    stopped = threading.Event()

    def loop(stop: threading.Event) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        stop.wait(10)
        stopped.set()

    run_loops({"sender": loop})
    assert stopped.is_set()
    assert logged_from_handler == []
    assert "signal 15 received, stopping" in caplog.messages  # said, after the handler


def locks_taken(action) -> list[str]:
    """The lock acquisitions ``action`` makes in this thread, seen by a profiler."""
    taken: list[str] = []

    def profile(_frame, event: str, arg) -> None:
        if event == "c_call" and getattr(arg, "__name__", "") in ("acquire", "__enter__"):
            taken.append(getattr(arg, "__qualname__", arg.__name__))

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return taken


def test_the_stop_handler_takes_no_lock_so_a_second_signal_inside_it_cannot_hang() -> None:
    """Ctrl-C reaches the worker, then the supervisor's SIGTERM lands inside the first
    handler. A handler that set an Event held the Event's lock there, and the nested
    one waited for it forever (``make run`` took 10 s to stop and left processes)."""
    assert locks_taken(threading.Event().set), "the probe sees an Event's lock"
    signals = StopSignals()
    assert locks_taken(lambda: signals.note(signal.SIGINT, None)) == []
    assert signals.received == [signal.SIGINT]


def test_the_loops_have_stop_wait_seconds_in_all_not_each(monkeypatch) -> None:
    """Two loops that ignore the stop: the worker leaves after STOP_WAIT, not twice it,
    so the supervisor (which waits longer) never has to kill it."""
    import services.common.worker as worker

    monkeypatch.setattr(worker, "STOP_WAIT", 1.0)
    stop = threading.Event()
    hold = threading.Event()

    def stubborn(_stop: threading.Event) -> None:
        hold.wait(5)

    threading.Timer(0.2, stop.set).start()
    started = time.monotonic()
    run_loops({"a": stubborn, "b": stubborn}, stop=stop, install_signals=False)
    took = time.monotonic() - started
    hold.set()
    assert took < 0.2 + 1.0 + 0.6, f"left after {took:.2f} s"
