"""Where ``make test``'s time goes: each group of the suite run on its own, timed.

``.venv/bin/python -m bench.test_groups [group …]`` runs each group (all of them by default)
as ``make test`` runs the suite — ``pytest -n 4 --dist loadgroup``, ``CI=true`` — one
after the other, and prints a line per group: its wall seconds, the machine's busy
core-seconds over that time (from ``/proc/stat``: everything the run started, its servers
and browsers included, and whatever else the machine did meanwhile) and pytest's
summary. docs/operations.md quotes its figures (Running the tests). Not part of
``make bench``: it takes about as long as ``make test``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVERS = "slow or postgres or rabbitmq or browser"
WHOLE = ["--ignore=tests/browser", "--ignore=tests/faults", "--ignore=tests/e2e",
         "--ignore=tests/test_fuzz.py"]  # the groups that are whole folders or files

#: Each group's pytest arguments; together they are the whole suite, each test once.
GROUPS: dict[str, list[str]] = {
    "browser": ["tests/browser"],
    "faults": ["tests/faults"],
    "e2e": ["tests/e2e"],
    "fuzz": ["tests/test_fuzz.py"],
    "other-servers": ["-m", SERVERS, *WHOLE],
    "fast": ["-m", f"not ({SERVERS})", *WHOLE],
}


def busy_ticks() -> int:
    """Ticks the machine's cores spent busy since boot (all but idle and iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4]


def run_group(name: str) -> str:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "4",
               "--dist", "loadgroup", *GROUPS[name]]
    ticks, started = busy_ticks(), time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, "CI": "true"},
                          capture_output=True, text=True)
    wall = time.monotonic() - started
    busy = (busy_ticks() - ticks) / os.sysconf("SC_CLK_TCK")
    lines = done.stdout.strip().splitlines()
    summary = lines[-1] if lines else f"exit {done.returncode}"
    return (f"test_groups: group={name} wall_s={wall:.0f} busy_core_s={busy:.0f} "
            f"result={summary!r}")


def main() -> None:
    names = sys.argv[1:] or list(GROUPS)
    unknown = [name for name in names if name not in GROUPS]
    if unknown:
        raise SystemExit(f"no such group: {', '.join(unknown)} (groups: {', '.join(GROUPS)})")
    for name in names:
        print(run_group(name), flush=True)


if __name__ == "__main__":
    main()
