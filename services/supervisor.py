"""Runs the Procfile's processes for ``make run`` and keeps them running.

A process that exits while the clinic runs is started again (after 1 s, then
longer if it keeps failing, up to 30 s) and the log says so, so one crashed
worker does not take the clinic down. Ctrl-C or SIGTERM stops them all: SIGTERM,
then SIGKILL for any still running after ``STOP_WAIT`` seconds — longer than a
worker's own ``STOP_WAIT`` and gunicorn's ``graceful_timeout``, so a process that is
finishing its work is let finish — and a killed process is reaped and named.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from services.common.worker import StopSignals

MAX_PAUSE = 30.0
STEADY = 60.0  # a process up this long has recovered: its next crash waits 1 s again
STOP_WAIT = 15.0  # > the workers' STOP_WAIT (10 s) and gunicorn's graceful_timeout (10 s)


def read_procfile(path: Path) -> dict[str, str]:
    entries = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            entries[name.strip()] = command.strip()
    return entries


def say(name: str, text: str, out: IO[str] | None = None) -> None:
    out = out or sys.stdout  # looked up when called: whatever stdout is then
    out.write(f"{datetime.now():%H:%M:%S} {name:<17} | {text}\n")
    out.flush()


@dataclass
class Process:
    name: str
    command: str
    popen: subprocess.Popen[str] | None = None
    started: float = 0.0
    pause: float = 1.0
    restarts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, cwd: Path) -> int:
        popen = subprocess.Popen(shlex.split(self.command), cwd=cwd, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=1)
        self.popen, self.started = popen, time.monotonic()
        threading.Thread(target=self._copy_output, args=(popen,), daemon=True).start()
        return popen.pid

    def _copy_output(self, popen: subprocess.Popen[str]) -> None:
        assert popen.stdout is not None
        for line in popen.stdout:
            say(self.name, line.rstrip("\n"))


class Supervisor:
    def __init__(self, procfile: Path, cwd: Path) -> None:
        self.cwd = cwd
        self.processes = [Process(n, c) for n, c in read_procfile(procfile).items()]
        self.signals = StopSignals()  # its handler takes no lock (see StopSignals)

    @property
    def stop_asked(self) -> bool:
        return bool(self.signals.received)

    def run(self) -> int:
        for process in self.processes:
            say("supervisor", f"started {process.name} (pid {process.start(self.cwd)})")
        while not self._pause(0.5):
            for process in self.processes:
                self._look_after(process)
        return self._stop_all()

    def stop(self) -> None:
        self.signals.note(signal.SIGTERM, None)

    def _pause(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True as soon as a stop was asked for."""
        deadline = time.monotonic() + seconds
        while not self.stop_asked and time.monotonic() < deadline:
            time.sleep(min(0.1, max(deadline - time.monotonic(), 0.0)))
        return self.stop_asked

    def _look_after(self, process: Process) -> None:
        popen = process.popen
        if popen is None or popen.poll() is None:
            return
        if time.monotonic() - process.started > STEADY:
            process.pause = 1.0
        say("supervisor", f"{process.name} exited with code {popen.returncode}; "
                          f"restarting it in {process.pause:.0f} s")
        if self._pause(process.pause):
            return
        process.pause = min(process.pause * 2, MAX_PAUSE)
        process.restarts += 1
        pid = process.start(self.cwd)
        say("supervisor", f"restarted {process.name} (pid {pid}, restart {process.restarts})")

    def _stop_all(self) -> int:
        running = [p for p in self.processes if p.popen and p.popen.poll() is None]
        for process in running:
            assert process.popen is not None
            process.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_WAIT
        for process in running:
            assert process.popen is not None
            try:
                process.popen.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait()  # reaped: no zombie left behind
                say("supervisor", f"killed {process.name}: still running {STOP_WAIT:.0f} s "
                                  "after SIGTERM")
        say("supervisor", "stopped everything")
        return 0


def supervise(procfile: Path, cwd: Path) -> int:
    """Run until Ctrl-C or SIGTERM; return the exit code for ``make run``."""
    supervisor = Supervisor(procfile, cwd)
    supervisor.signals.install()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    return supervisor.run()
