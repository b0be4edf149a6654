"""How long Ctrl-C takes to stop ``make run``, and what it leaves behind.

``.venv/bin/python -m bench.stopping [runs] [--twice]`` starts the clinic as ``make run``
does (on free ports and a scratch folder), waits until every service is ready, sends
SIGINT to its whole process group as a terminal does (twice, 0.2 s apart, with
``--twice``), and prints for each run the exit code, the seconds the stop took, the
processes of the group still there a moment later, and any ``killed`` line of the
supervisor. docs/operations.md quotes its figures.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.e2e.conftest import launch_clinic


def one_stop(twice: bool) -> str:
    clinic = launch_clinic(Path(tempfile.mkdtemp(prefix="clinic-stop-")))
    clinic.wait_ready()
    time.sleep(1)
    started = time.monotonic()
    os.killpg(clinic.process.pid, signal.SIGINT)
    if twice:
        time.sleep(0.2)
        os.killpg(clinic.process.pid, signal.SIGINT)
    try:
        code: int | str = clinic.process.wait(40)
    except subprocess.TimeoutExpired:
        code = "still running after 40 s"
    took = time.monotonic() - started
    left = clinic.left_behind(settle=0.5)
    for member in left:  # leave the machine as it was
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(member.split()[0]), signal.SIGKILL)
    killed = [line for line in clinic.log().splitlines() if "| killed" in line]
    return f"exit={code} took={took:.1f}s left={left} killed={killed}"


def main() -> None:
    runs = int(next((a for a in sys.argv[1:] if a.isdigit()), "5"))
    twice = "--twice" in sys.argv
    for run in range(runs):
        print(f"run {run + 1}: {one_stop(twice)}", flush=True)


if __name__ == "__main__":
    main()
