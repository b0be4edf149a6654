"""FHIR's Slot search against the availability endpoint, on the same department-day.

``.venv/bin/python -m bench.fhir_slots [count]`` seeds a fresh PostgreSQL database as
``make bench`` does (50 experts × 32 slots in one department-day), then asks booking's
app in-process, alternately, ``count`` times each (default 200):

- ``availability``: ``GET /api/v1/availability?department_id=1&date=…`` (every slot);
- ``fhir_page``: ``GET /fhir/Slot?service-type=1&start=ge…&start=lt…&_count=500``, one
  page of the largest size (the search reads and counts the whole day for its total);
- ``fhir_day``: the whole day through FHIR, following ``next`` links (4 pages).

It prints each one's p50/p99 in ms and statements per request, and the ratios SPEC §13's
issue asks about (a FHIR page within 2× of the availability answer). Alternating the
three keeps a busy neighbour on this shared machine from favouring one of them.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask.testing import FlaskClient

from bench.profile import HEADERS, Statements
from bench.run import databases, seed
from services.booking.app import create_app
from services.booking.config import BookingSettings


def availability(client: FlaskClient, day: str) -> Callable[[], int]:
    url = f"/api/v1/availability?department_id=1&date={day}"
    return lambda: _ok(client.get(url, headers=HEADERS).status_code)


def fhir_page(client: FlaskClient, day: str) -> Callable[[], int]:
    return lambda: _ok(client.get(_first_page(day), headers=HEADERS).status_code)


def fhir_day(client: FlaskClient, day: str) -> Callable[[], int]:
    def walk() -> int:
        url: str | None = _first_page(day)
        while url:
            answer = client.get(url, headers=HEADERS)
            _ok(answer.status_code)
            links = {link["relation"]: link["url"] for link in answer.get_json()["link"]}
            url = _path(links["next"]) if "next" in links else None
        return 200
    return walk


def _first_page(day: str) -> str:
    after = date.fromisoformat(day) + timedelta(days=1)
    return f"/fhir/Slot?service-type=1&start=ge{day}&start=lt{after}&_count=500"


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _ok(status: int) -> int:
    if status != 200:
        raise RuntimeError(f"answered {status}")
    return status


RUNS = {"availability": availability, "fhir_page": fhir_page, "fhir_day": fhir_day}


def main(count: int) -> None:
    with databases("booking") as db, tempfile.TemporaryDirectory() as scratch:
        settings = BookingSettings.from_env(environ={}, database_url=db["booking"],
                                            var_dir=Path(scratch), log_level="WARNING")
        app = create_app(settings)
        _, _, day = seed(app.extensions["clinic"])
        client = app.test_client()
        calls = {name: make(client, day) for name, make in RUNS.items()}
        times: dict[str, list[float]] = {name: [] for name in RUNS}
        statements: dict[str, float] = {}
        for name, call in calls.items():  # warm up; count the statements of one call
            for _ in range(10):
                call()
            counted = Statements(app.extensions["clinic"].db.engine)
            call()
            statements[name] = counted.stop()
        for _ in range(count):
            for name, call in calls.items():
                started = time.perf_counter()
                call()
                times[name].append((time.perf_counter() - started) * 1000)
        app.extensions["clinic"].db.dispose()
    report(times, statements, count)


def percentile(values: list[float], q: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def report(times: dict[str, list[float]], statements: dict[str, float], count: int) -> None:
    print(f"{'run (in-process, PostgreSQL, 1600 slots)':<44}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'statements':>12}")
    for name, values in times.items():
        print(f"{name:<44}{statistics.median(values):>9.1f}{percentile(values, 99):>9.1f}"
              f"{statements[name]:>12.0f}")
    base = statistics.median(times["availability"])
    print(f"bench: fhir_slot_page_p50_ms={statistics.median(times['fhir_page']):.1f} "
          f"fhir_slot_day_p50_ms={statistics.median(times['fhir_day']):.1f} "
          f"availability_p50_ms={base:.1f} "
          f"fhir_page_to_availability={statistics.median(times['fhir_page']) / base:.2f} "
          f"fhir_day_to_availability={statistics.median(times['fhir_day']) / base:.2f} "
          f"fhir_page_statements={statements['fhir_page']:.0f} requests={count}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
