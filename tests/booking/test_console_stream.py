"""The console's counts pushed from the stream process: one read per change, every console.

The stream app (``services.booking.stream``) behind a real threaded HTTP server, the
booking app beside it on the same database; consoles are plain HTTP clients reading
the event stream.
"""

from __future__ import annotations

import json
import queue
import socket
import threading
from collections.abc import Iterator
from contextlib import suppress
from datetime import time
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server

from services.booking.config import BookingSettings
from services.booking.stream import create_app as create_stream_app
from services.common.tokens import INTEGRATION
from tests.support.booking import Inventory, Staff, bearer, tomorrow
from tests.support.bus import wait_until
from tests.support.sql import app_statements as statements

CONSOLES = 50


@pytest.fixture
def served(make_app: Any, make_settings: Any, database_url: str, clock: Any) -> Iterator[Any]:
    booking = make_app("booking", database_url=database_url)
    stream = create_stream_app(make_settings(BookingSettings, database_url=database_url),
                               clock=clock)
    server = make_server("127.0.0.1", 0, stream, threaded=True)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    yield booking, stream, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    stream.extensions["booking_push_hub"].stop()
    for app in (booking, stream):
        app.extensions["clinic"].db.dispose()


class Console:
    """One open console: the events of its stream, as they arrive (a raw socket, so
    closing it ends the reading thread's wait at once)."""

    def __init__(self, url: str, query: str, headers: dict[str, str]) -> None:
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        lines = [f"GET /api/v1/stream/counts?{query} HTTP/1.1", f"Host: {host}:{port}",
                 *(f"{name}: {value}" for name, value in headers.items()), "", ""]
        self.sock.sendall("\r\n".join(lines).encode())
        self.reader = self.sock.makefile("rb")
        status = self.reader.readline().decode()
        assert " 200 " in status, status
        while self.reader.readline().strip():  # the headers
            pass
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        data: list[str] = []
        try:
            for raw in self.reader:
                line = raw.decode().rstrip("\r\n")
                if line.startswith("data: "):
                    data.append(line[6:])
                elif line == "" and data:
                    self.events.put(json.loads("\n".join(data)))
                    data = []
        except (OSError, ValueError):
            pass

    def next(self, timeout: float = 20) -> dict[str, Any]:
        return self.events.get(timeout=timeout)

    def close(self) -> None:
        with suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


def booked_of(answer: dict[str, Any], slot_id: int) -> int:
    return next(row[3] for row in answer["slots"] if row[0] == slot_id)


def test_a_change_reaches_fifty_consoles_with_one_read(served) -> None:
    booking, stream, url = served
    day = tomorrow()
    slots = Inventory(booking).session(day, time(9, 0), count=4, capacity=5)
    query = f"department_id=1&date={day}&days=1"
    consoles = [Console(url, query, bearer("consultant", f"c{n}")) for n in range(CONSOLES)]
    try:
        first = [console.next() for console in consoles]
        assert all(booked_of(answer, slots[0]) == 0 for answer in first)
        hub = stream.extensions["booking_push_hub"]
        if hub.feed is not None:
            assert hub.feed.wait_live()
        with statements(stream) as seen:
            reads = hub.reads
            assert Staff(booking, bearer("consultant", "li")).book(slots[0]).status_code == 201
            pushed = [console.next() for console in consoles]
            reads = hub.reads - reads
        assert all(booked_of(answer, slots[0]) == 1 for answer in pushed)
        assert len(first[0]["slots"]) == 4, "the first event: the whole answer"
        assert all(len(answer["slots"]) == 1 for answer in pushed), "then the changed rows"
        # One read of the counts for the change (two if the clock's own refresh fell in
        # the same moment), whatever the number of consoles; never one per console.
        assert 1 <= reads <= 2, reads
        assert len(seen) < CONSOLES / 2, seen
    finally:
        for console in consoles:
            console.close()


def test_consoles_see_only_what_they_may(served) -> None:
    _, _, url = served
    day = tomorrow()
    anonymous = requests.get(f"{url}/api/v1/stream/counts?department_id=1&date={day}",
                             timeout=10)
    assert anonymous.status_code == 401
    integration = requests.get(f"{url}/api/v1/stream/counts?department_id=1&date={day}",
                                headers=bearer(INTEGRATION), timeout=10)
    assert integration.status_code == 403
    unscoped = requests.get(f"{url}/api/v1/stream/counts?date={day}",
                            headers=bearer("consultant"), timeout=10)
    assert unscoped.status_code == 422


def test_a_stopped_subscriber_is_forgotten(served) -> None:
    booking, stream, url = served
    day = tomorrow()
    Inventory(booking).session(day, time(9, 0), count=1, capacity=5)
    hub = stream.extensions["booking_push_hub"]
    console = Console(url, f"department_id=1&date={day}&days=1", bearer("consultant"))
    console.next()
    assert len(hub.topics) == 1
    console.close()
    Inventory(booking).session(day, time(14, 0), count=1, capacity=5)  # a change to send
    assert wait_until(lambda: not hub.topics, timeout=30), "the closed stream let go"
