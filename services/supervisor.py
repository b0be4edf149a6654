"""Runs the Procfile's processes for ``make run`` and keeps them running.

A process that exits while the clinic runs is started again (after 1 s, then
longer if it keeps failing, up to 30 s) and the log says so, so one crashed
worker does not take the clinic down. Ctrl-C or SIGTERM stops them all: SIGTERM,
then SIGKILL for any still running after ``STOP_WAIT`` seconds — longer than a
worker's own ``STOP_WAIT`` and gunicorn's ``graceful_timeout``, so a process that is
finishing its work is let finish — and a killed process is reaped and named.

A command that runs one of this environment's Python console scripts (``gunicorn``,
``clinic-booking``, …) is forked from a fork server that has already imported the
libraries every process loads (:data:`PRELOAD`), instead of starting a new interpreter
that imports them again: a clinic's nine processes start on about half the CPU. Any
other command is started as it is written.
"""

from __future__ import annotations

import gc
import importlib.metadata
import multiprocessing
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Protocol

from setproctitle import setproctitle

from services.common.worker import StopSignals

MAX_PAUSE = 30.0
STEADY = 60.0  # a process up this long has recovered: its next crash waits 1 s again
STOP_WAIT = 15.0  # > the workers' STOP_WAIT (10 s) and gunicorn's graceful_timeout (10 s)


#: What the fork server imports before it forks: the libraries both a web process and a
#: worker load (not Flask: a worker loads no web framework). Not prometheus-client either:
#: it picks its multi-process mode when first imported, from the environment gunicorn's
#: settings prepare (:mod:`services.common.gunicorn_defaults`), nor the services' own
#: modules, which import it.
PRELOAD = ("sqlalchemy.orm", "sqlalchemy.dialects.sqlite", "sqlalchemy.dialects.postgresql",
           "psycopg", "kombu", "kombu.transport.filesystem", "amqp", "phonenumbers",
           "jwt", "cryptography.hazmat.primitives.hashes", "click", "dacite",
           "opentelemetry.trace", "asyncio", "email.message", "ssl", "logging.config")


class Running(Protocol):
    """What the supervisor needs of a started process (:class:`subprocess.Popen` has it)."""

    pid: int

    @property
    def returncode(self) -> int | None: ...

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...

    def send_signal(self, sig: int) -> None: ...

    def kill(self) -> None: ...


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


def console_script(word: str) -> str | None:
    """The entry point (``module:function``) of ``word`` when it names a console script
    installed beside this Python, else None."""
    bin_dir = Path(sys.executable).parent
    if os.sep in word or not (bin_dir / word).exists():
        return None
    found = importlib.metadata.entry_points(group="console_scripts", name=word)
    return next((entry.value for entry in found), None)


def _run_entry_point(target: str, argv: list[str], cwd: str, out: Connection) -> None:
    """In the forked process: what the console script's own wrapper would do, its output
    (stdout and stderr, line by line) into ``out``.

    What the fork server preloaded is frozen out of the garbage collector's sweeps first:
    it lives as long as the process, and each full sweep went over all of it again."""
    gc.freeze()
    os.dup2(out.fileno(), 1)
    os.dup2(out.fileno(), 2)
    out.close()
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115 (the process's own)
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    os.chdir(cwd)
    setproctitle(" ".join(argv))  # what ps shows (gunicorn then sets its own)
    sys.argv = [str(Path(sys.executable).parent / argv[0]), *argv[1:]]  # as when run
    main = importlib.metadata.EntryPoint(argv[0], target, "console_scripts").load()
    sys.exit(main())


def _started_at(pid: int) -> str | None:
    """When the process ``pid`` started (in clock ticks since boot, from ``/proc``), which
    with the pid names one process, as a pid may be reused; None once it has ended."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] in ("Z", "X") else fields[19]  # state, …, starttime


class Forked:
    """A process the fork server started, seen as a :class:`subprocess.Popen` is.

    The fork server reports its children's exits. Killed by hand (it is a process of its
    own in ``ps``), it reports every one of them as ended (code 255) while they run on
    and hold their ports: a process still there is then looked after by its pid, and a
    restart forks it from a new fork server once it has really ended.
    """

    def __init__(self, process: multiprocessing.process.BaseProcess) -> None:
        self.process = process
        self.pid = process.pid or 0
        self._started_at = _started_at(self.pid)

    @property
    def returncode(self) -> int | None:
        return self.poll()

    def poll(self) -> int | None:
        code = self.process.exitcode
        if code is not None and self._started_at is not None \
                and _started_at(self.pid) == self._started_at:
            return None  # the fork server has gone, the process has not
        return code

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        self.process.join(timeout)
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.05)
        return code

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


@contextmanager
def _main_script_hidden() -> Iterator[None]:
    """multiprocessing imports the parent's main script in each child before it runs the
    target (the spawn rule). Ours is ``clinic-run``, which imports every service, and with
    them prometheus-client before gunicorn's settings have chosen its mode: hidden while a
    process starts."""
    main = sys.modules["__main__"]
    saved: dict[str, object] = {name: main.__dict__[name]
                                for name in ("__file__", "__spec__") if name in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__spec__ = None
    try:
        yield
    finally:
        main.__dict__.update(saved)


def _fork_server() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    assert isinstance(context, multiprocessing.context.ForkServerContext)
    context.set_forkserver_preload(list(PRELOAD))
    return context


@dataclass
class Process:
    name: str
    command: str
    popen: Running | None = None
    started: float = 0.0
    pause: float = 1.0
    restarts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, cwd: Path) -> int:
        argv = shlex.split(self.command)
        target = console_script(argv[0]) if argv else None
        reader = self._fork(target, argv, cwd) if target else self._exec(argv, cwd)
        self.started = time.monotonic()
        threading.Thread(target=self._copy_output, args=(reader,), daemon=True).start()
        assert self.popen is not None
        return self.popen.pid

    def _exec(self, argv: list[str], cwd: Path) -> IO[str]:
        popen = subprocess.Popen(argv, cwd=cwd, text=True, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, bufsize=1)
        assert popen.stdout is not None
        self.popen = popen
        return popen.stdout

    def _fork(self, target: str, argv: list[str], cwd: Path) -> IO[str]:
        context = _fork_server()
        reader, writer = context.Pipe(duplex=False)
        process = context.Process(target=_run_entry_point, name=self.name,
                                  args=(target, argv, str(cwd), writer), daemon=False)
        with _main_script_hidden():
            process.start()
        writer.close()
        self.popen = Forked(process)
        output = open(os.dup(reader.fileno()), errors="replace")  # noqa: SIM115 (closed at EOF)
        reader.close()
        return output

    def _copy_output(self, output: IO[str]) -> None:
        with output:
            for line in output:
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
