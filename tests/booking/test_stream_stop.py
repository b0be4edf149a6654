"""Stopping the stream process ends its open streams at once.

Each open console holds one of the stream process's threads for minutes; a stop that
waited for them would last the whole graceful timeout (30 s here), and a deploy or a
Ctrl-C at ``make run`` with it. The process as the Procfile starts it, under gunicorn.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.booking import bearer, tomorrow
from tests.support.servers import free_port

pytestmark = pytest.mark.slow

GRACEFUL = 30  # gunicorn's graceful timeout for this test: what a stop must not wait for


def open_stream(port: int) -> socket.socket:
    """A console's stream, its first event read (so it holds a thread of the process)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=30)
            break
        except OSError:
            assert time.monotonic() < deadline, "the stream process never listened"
            time.sleep(0.2)
    headers = "".join(f"{k}: {v}\r\n" for k, v in bearer("consultant", "li").items())
    sock.sendall(f"GET /api/v1/stream/counts?department_id=1&date={tomorrow()}&days=1 "
                 f"HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode())
    received = b""
    while b"data: " not in received:
        chunk = sock.recv(65536)
        assert chunk, received
        received += chunk
    assert b" 200 " in received.split(b"\r\n", 1)[0], received[:200]
    return sock


def seconds_to_close(sock: socket.socket) -> float:
    """How long until the server closes the stream (the heartbeat is 15 s away)."""
    started = time.monotonic()
    sock.settimeout(GRACEFUL + 10)
    while sock.recv(65536):
        pass
    return time.monotonic() - started


@pytest.mark.parametrize("stop", ["ctrl_c", "sigterm"])
def test_a_stop_ends_the_open_streams_at_once(tmp_path: Path, stop: str) -> None:
    port = free_port()
    env = {**os.environ, "VAR_DIR": str(tmp_path / "var"), "STREAM_PORT": str(port),
           "WORKER_METRICS_PORT": "-1", "GUNICORN_CMD_ARGS": f"--graceful-timeout {GRACEFUL}"}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "-c", "python:services.booking.stream_gunicorn_conf",
         "services.booking.stream:create_app()"], env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "stream.log").open("w"))
    try:
        sock = open_stream(port)
        if stop == "ctrl_c":  # the whole group, as the terminal does
            os.killpg(process.pid, signal.SIGINT)
        else:  # a deploy's graceful stop: the arbiter only
            process.send_signal(signal.SIGTERM)
        took = seconds_to_close(sock)
        assert took < GRACEFUL / 3, f"the stream stayed open {took:.1f} s after the stop"
        assert process.wait(timeout=GRACEFUL) == 0, (tmp_path / "stream.log").read_text()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
