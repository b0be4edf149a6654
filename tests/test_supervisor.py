"""The supervisor of ``make run``: stopping, as a person at the terminal stops it."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import services.supervisor as supervisor_module
from services.supervisor import Supervisor
from tests.support.bus import wait_until

STUBBORN = ("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(60)")
POLITE = "import time; print('ready', flush=True); time.sleep(60)"


class Output:
    """What the supervisor printed so far (its lines go to the process's stdout)."""

    def __init__(self, capfd: pytest.CaptureFixture[str]) -> None:
        self.capfd, self.text = capfd, ""

    def read(self) -> str:
        self.text += self.capfd.readouterr().out
        return self.text

    def ready(self, count: int) -> bool:
        return wait_until(lambda: self.read().count("| ready") >= count, timeout=20)


def procfile(tmp_path: Path, **commands: str) -> Path:
    path = tmp_path / "Procfile"
    path.write_text("".join(f'{name}: {sys.executable} -c "{code}"\n'
                            for name, code in commands.items()))
    return path


@contextmanager
def supervising(procfile: Path, cwd: Path) -> Iterator[Supervisor]:
    """A supervisor running ``procfile`` in a thread, stopped (and joined) at the end."""
    supervisor = Supervisor(procfile, cwd)
    runner = threading.Thread(target=supervisor.run)
    runner.start()
    try:
        yield supervisor
    finally:
        supervisor.stop()
        runner.join(timeout=20)
    assert not runner.is_alive()


def test_a_process_that_ignores_sigterm_is_killed_reaped_and_named(
        tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.setattr(supervisor_module, "STOP_WAIT", 1.0)
    output = Output(capfd)
    with supervising(procfile(tmp_path, stubborn=STUBBORN, polite=POLITE), tmp_path) as supervisor:
        assert output.ready(2)
    stubborn, polite = (p.popen for p in supervisor.processes)
    assert stubborn is not None and polite is not None
    assert stubborn.returncode == -signal.SIGKILL, "killed, and reaped: no zombie left"
    assert polite.returncode == -signal.SIGTERM
    out = output.read()
    assert "killed stubborn" in out and "killed polite" not in out


def test_ctrl_c_twice_stops_everything_without_a_kill(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """The supervisor's own handlers, real signals, one landing soon after the other."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    supervisor = Supervisor(procfile(tmp_path, one=POLITE, two=POLITE), tmp_path)
    supervisor.signals.install()
    output = Output(capfd)

    def press_ctrl_c_twice() -> None:
        if output.ready(2):
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=press_ctrl_c_twice, daemon=True).start()
    try:
        assert supervisor.run() == 0  # in the main thread, where signals are handled
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)
    assert all(p.popen and p.popen.returncode == -signal.SIGTERM for p in supervisor.processes)
    assert "killed" not in output.read() and "stopped everything" in output.text


def test_a_console_script_is_forked_its_output_copied_and_its_exit_seen(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """``clinic-booking --help`` prints and exits 0: the supervisor, which forked it from
    its fork server, copies its lines and starts it again, as it would a started one."""
    path = tmp_path / "Procfile"
    path.write_text("helpful: clinic-booking --help\n")
    output = Output(capfd)
    with supervising(path, tmp_path) as supervisor:
        assert wait_until(lambda: "helpful exited with code 0" in output.read(), timeout=30)
    assert isinstance(supervisor.processes[0].popen, supervisor_module.Forked)
    assert "helpful           | Usage: clinic-booking" in output.text


def sleep_politely() -> int:
    """A console script's entry point for the test below: up until SIGTERM."""
    print("ready", flush=True)
    time.sleep(60)
    return 0


def test_a_fork_server_killed_by_hand_leaves_its_processes_looked_after(
        tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch) -> None:
    """The fork server reported each of its processes ended (code 255) when it was killed,
    and the supervisor started a second copy of each beside the first, still running: web
    processes failed on their taken ports over and over, and Ctrl-C left the first copies
    running. A process that is still there is looked after by its pid."""
    from multiprocessing import forkserver

    monkeypatch.setattr(supervisor_module, "console_script",
                        lambda word: f"{__name__}:sleep_politely" if word == "sleeper" else None)
    path = tmp_path / "Procfile"
    path.write_text("sleeper: sleeper\n")
    output = Output(capfd)
    with supervising(path, tmp_path) as supervisor:
        assert output.ready(1), output.text
        sleeper = supervisor.processes[0].popen
        assert isinstance(sleeper, supervisor_module.Forked)
        os.kill(forkserver._forkserver._forkserver_pid, signal.SIGKILL)  # type: ignore[attr-defined]
        time.sleep(2)  # the supervisor looks every half second
        assert "exited" not in output.read() and supervisor.processes[0].restarts == 0
        assert sleeper.poll() is None
        os.kill(sleeper.pid, signal.SIGKILL)  # now it ends: forked again, by a new server
        assert wait_until(lambda: "restarted sleeper" in output.read(), timeout=20)
        assert output.ready(2), output.text
        again = supervisor.processes[0].popen
        assert again is not sleeper and again is not None and again.poll() is None
    assert "killed" not in output.read()
    assert sleeper.poll() == 255 and again.poll() == -signal.SIGTERM
    assert supervisor_module._started_at(again.pid) is None


def test_what_the_fork_server_preloads_chooses_no_metrics_mode_and_no_web_framework() -> None:
    """prometheus-client picks its multi-process mode when first imported, and a worker
    loads no web framework: neither may come with the fork server's libraries."""
    import subprocess

    code = ("import sys; [__import__(m) for m in sys.argv[1:]]; "
            "print(sorted({m.split('.')[0] for m in sys.modules} "
            "& {'prometheus_client', 'flask', 'werkzeug', 'flask_smorest', 'services'}))")
    found = subprocess.run([sys.executable, "-c", code, *supervisor_module.PRELOAD],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert found == "[]"
