"""A schedule app served on a real port (threaded), and requests released together: the
race tests of sign-in and of the last administrator use real parallel HTTP requests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import requests
from flask import Flask
from werkzeug.serving import make_server


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """``app`` answering on 127.0.0.1: its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def race(calls: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Every call made at once, each from its own thread, released by a barrier."""
    barrier = threading.Barrier(len(calls))

    def one(call: Callable[[], requests.Response]) -> requests.Response:
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))


class Counted:
    """A function wrapped to count its calls (from any thread)."""

    def __init__(self, function: Callable[..., bool]) -> None:
        self.function = function
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, *args: object) -> bool:
        with self._lock:
            self.calls += 1
        return self.function(*args)
