"""Where a request's time goes: call booking's Flask app in-process, under pyinstrument.

``.venv/bin/python -m bench.profile booking [count]`` books ``count`` new patients
(default 300) on the spread slots; ``.venv/bin/python -m bench.profile availability
[count]`` asks for the department-day of 50 experts × 32 slots ``count`` times, and
``poll`` asks for its counts with the last ETag, as the console does. All
seed a fresh PostgreSQL database as ``make bench`` does, time a plain run, then
profile a second one and print the profile, so the next speed-up is known. No broker
is needed: a booking only writes its events to the outbox.
"""

from __future__ import annotations

import itertools
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flask.testing import FlaskClient
from pyinstrument import Profiler

from bench.run import databases, seed
from services.booking.app import create_app
from services.booking.config import BookingSettings
from services.common.auth import issue_token
from services.common.config import DEFAULT_JWT_SECRET

TOKEN = issue_token(DEFAULT_JWT_SECRET, "bench", ["consultant"], ttl_seconds=3600)
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


def booking(client: FlaskClient, spread: list[int], _day: str) -> Callable[[], int]:
    phones = itertools.count()

    def call() -> int:
        return client.post("/api/v1/appointments", headers=HEADERS, json={
            "slot_id": random.choice(spread), "channel": "chat",
            "patient": {"name": "剖析", "phone": f"1390{next(phones):07d}"}}).status_code
    return call


def availability(client: FlaskClient, _spread: list[int], day: str) -> Callable[[], int]:
    url = f"/api/v1/availability?department_id=1&date={day}"
    return lambda: client.get(url, headers=HEADERS).status_code


def poll(client: FlaskClient, _spread: list[int], day: str) -> Callable[[], int]:
    url = f"/api/v1/availability/counts?department_id=1&date={day}"
    etag = client.get(url, headers=HEADERS).headers["ETag"]
    return lambda: client.get(url, headers={**HEADERS, "If-None-Match": etag}).status_code


PATHS = {"booking": booking, "availability": availability, "poll": poll}


def main(path: str, count: int) -> None:
    with databases("booking") as db, tempfile.TemporaryDirectory() as scratch:
        settings = BookingSettings.from_env(environ={}, database_url=db["booking"],
                                            var_dir=Path(scratch), log_level="WARNING")
        app = create_app(settings)
        spread, _, day = seed(app.extensions["clinic"])
        call = PATHS[path](app.test_client(), spread, day)
        statuses: dict[int, int] = {}
        for _ in range(20):  # warm up: first requests compile queries and fill caches
            call()
        started = time.perf_counter()
        for _ in range(count):
            status = call()
            statuses[status] = statuses.get(status, 0) + 1
        elapsed = time.perf_counter() - started
        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(count):
                call()
        app.extensions["clinic"].db.dispose()
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"answers: {statuses}")
    print(f"bench: {path}_in_process_ms={elapsed / count * 1000:.1f} requests={count}")


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in PATHS:
        sys.exit(f"usage: python -m bench.profile {{{','.join(PATHS)}}} [count]")
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300)
