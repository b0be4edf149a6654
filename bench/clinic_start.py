"""What starting ``make run`` costs: seconds until ready, and CPU-seconds.

``.venv/bin/python -m bench.clinic_start [runs]`` starts the clinic as a page test does
(``launch_clinic``: free ports, a scratch folder, one web process per service, the
tests' cheap password hash), waits until every service answers ``/readyz``, reads the
CPU each process of its group has used from ``/proc``, and stops it. docs/operations.md
quotes its figures (the fork server's effect, in "Processes").
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from tests.e2e.conftest import ONE_WEB_PROCESS, launch_clinic

TICK = os.sysconf("SC_CLK_TCK")


def group_cpu(pgid: int) -> float:
    """CPU-seconds (user and system) of every live process of the group."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # after ')': state, ppid, pgrp, …
                total += (int(fields[11]) + int(fields[12])) / TICK
        except (OSError, IndexError, ValueError):
            pass  # ended while we looked
    return total


def one_start() -> tuple[float, float]:
    started = time.monotonic()
    clinic = launch_clinic(Path(tempfile.mkdtemp(prefix="clinic-start-")),
                           CUTOFF_MINUTES="-1440",
                           WEB_CONCURRENCY=ONE_WEB_PROCESS["WEB_CONCURRENCY"])
    try:
        clinic.wait_ready()
        ready = time.monotonic() - started
        time.sleep(1)  # the output copied, the first loops run
        return ready, group_cpu(clinic.process.pid)
    finally:
        clinic.stop()


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    for _ in range(runs):
        ready, cpu = one_start()
        print(f"clinic_start: ready_s={ready:.1f} cpu_s={cpu:.2f}", flush=True)


if __name__ == "__main__":
    main()
