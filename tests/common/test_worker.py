"""The worker runner: loops in threads, stopped cleanly by a signal."""

from __future__ import annotations

import inspect
import logging
import os
import signal
import threading

import pytest

from services.common.worker import run_loops


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
        if any(frame.function == "_stop" for frame in inspect.stack()):
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
