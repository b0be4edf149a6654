"""Where a booking's time goes: book through booking's Flask app in-process, under pyinstrument.

``.venv/bin/python -m bench.profile_booking [count]`` seeds a fresh PostgreSQL
database as ``make bench`` does, books ``count`` new patients (default 300) on the
spread slots through the test client, prints the milliseconds per booking and the
profile of the whole run, so the next speed-up is known. No broker is needed: a
booking only writes its events to the outbox.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from pyinstrument import Profiler

from bench.run import databases, seed
from services.booking.app import create_app
from services.booking.config import BookingSettings
from services.common.auth import issue_token
from services.common.config import DEFAULT_JWT_SECRET


def main(count: int = 300) -> None:
    token = issue_token(DEFAULT_JWT_SECRET, "bench", ["consultant"], ttl_seconds=3600)
    headers = {"Authorization": f"Bearer {token}"}
    with databases("booking") as db, tempfile.TemporaryDirectory() as scratch:
        settings = BookingSettings.from_env(environ={}, database_url=db["booking"],
                                            var_dir=Path(scratch), log_level="WARNING")
        app = create_app(settings)
        spread, _, _ = seed(app.extensions["clinic"])
        client = app.test_client()
        statuses: dict[int, int] = {}

        def book(n: int) -> None:
            response = client.post("/api/v1/appointments", headers=headers, json={
                "slot_id": random.choice(spread), "channel": "chat",
                "patient": {"name": "剖析", "phone": f"1390{n:07d}"}})
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        for n in range(20):  # warm up: first requests compile queries and fill caches
            book(n)
        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        with profiler:
            for n in range(20, 20 + count):
                book(n)
        elapsed = time.perf_counter() - started
        app.extensions["clinic"].db.dispose()
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"answers: {statuses}")
    print(f"bench: booking_in_process_ms={elapsed / count * 1000:.1f} bookings={count}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
