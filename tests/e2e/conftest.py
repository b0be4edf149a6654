"""Start the clinic the way ``make run`` does, on free ports and a scratch folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.support.schedule import CHEAP_HASH_COST
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Clinic:
    """A running clinic: its processes, URLs and folder."""

    process: subprocess.Popen
    urls: dict[str, str]
    var_dir: Path
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def token(self, username: str = "admin", password: str = "demo") -> str:
        response = requests.post(f"{self.urls['schedule']}/api/v1/auth/token",
                                 json={"username": username, "password": password}, timeout=10)
        response.raise_for_status()
        return response.json()["token"]

    def wait_ready(self, timeout: float = 180) -> None:
        """Every service answers /readyz. The limit is generous: with four xdist workers
        starting clinics at once on a slow day, one took over 90 s (2026-12-07)."""
        deadline = time.monotonic() + timeout
        for name, url in self.urls.items():
            while True:
                try:
                    if requests.get(f"{url}/readyz", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise AssertionError(f"{name} never became ready:\n{self.log()[-4000:]}")
                time.sleep(0.3)

    def stop(self, timeout: float = 30) -> int:
        """Ctrl-C, as a person at the terminal would: SIGINT to the whole process group."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise

    def left_behind(self, settle: float = 5.0) -> list[str]:
        """"pid cmdline" of each process of the clinic's group still there (zombies
        too: their cmdline is empty) once ``settle`` seconds have passed."""
        deadline = time.monotonic() + settle
        while True:
            left = group_members(self.process.pid)
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.2)


def group_members(pgid: int) -> list[str]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) == pgid:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                members.append(f"{entry.name} {cmdline.strip()}")
        except (ProcessLookupError, FileNotFoundError, PermissionError):
            pass  # ended while we looked
    return members


#: For a clinic whose test is not about ``make run``'s own process count: one web process per
#: service (the default is two). Each costs a whole service start-up (1.7 CPU-s) again, and a
#: test's few requests need no second one.
ONE_WEB_PROCESS = {"WEB_CONCURRENCY": "1"}

#: For a clinic whose pages need today's demo slots at any hour the tests run: a cut-off a
#: day after the start keeps them bookable, and a day's grace keeps the no-show sweep from
#: marking a patient booked into a session already over before the test checks them in
#: (CI at 17:43 in Shanghai met that: the check-in was refused as "no show").
ANY_HOUR = {"CUTOFF_MINUTES": "-1440", "NO_SHOW_GRACE_MINUTES": "1440"}

#: For a clinic whose follow-up calls are made whatever the hour the tests run: calling hours
#: all day, and no spacing between two calls to one patient.
ALWAYS = {"FOLLOWUP_CALL_START": "00:00", "FOLLOWUP_CALL_END": "23:59:59",
          "FOLLOWUP_SPACING_HOURS": "0"}


def launch_clinic(folder: Path, ports: dict[str, int] | None = None,
                  **extra_env: str) -> Clinic:
    """``clinic-run`` on free ports (or ``ports``) with its files under ``folder``."""
    ports = ports or {name: free_port() for name in ("schedule", "booking", "notify",
                                                     "followup")}
    var_dir = folder / "var"
    # Clinics side by side cannot all have the workers' fixed metrics ports (9181-9184):
    # none serves worker metrics unless its test asks (test_metrics_day gives free ports).
    # Each sign-in checks a scrypt hash: at the cheap cost of the in-process tests (the
    # clinic is not in production mode, which would refuse it).
    env = {**os.environ, "VAR_DIR": str(var_dir), "LOG_LEVEL": "INFO",
           "WORKER_METRICS_PORT": "-1", "PASSWORD_HASH_COST": str(CHEAP_HASH_COST),
           **extra_env}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    for name, port in ports.items():
        env[f"{name.upper()}_PORT"] = str(port)
        env[f"{name.upper()}_URL"] = urls[name]
    env.setdefault("STREAM_PORT", str(free_port()))  # booking's stream process
    log_path = folder / "clinic.log"
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "clinic-run")], cwd=ROOT, env=env,
        stdout=log_path.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    return Clinic(process, urls, var_dir, log_path, env)


#: This pytest worker's page clinics, by their settings (see :func:`shared_clinic`).
_SHARED: dict[str, Clinic] = {}


def shared_clinic(folder_factory: pytest.TempPathFactory, **extra_env: str) -> Clinic:
    """A running clinic with ``extra_env`` that the page test modules of this worker share:
    started by the first module that asks, handed as it is to each later module asking
    with the same settings. A start costs about 6 CPU-s (and tens of seconds on a loaded
    machine); the page tests, written to share a clinic with the other tests of their
    module, share it with the other modules too. :func:`stop_shared_clinics` stops them
    when the worker moves on to other tests."""
    key = repr(sorted(extra_env.items()))
    running = _SHARED.get(key)
    if running is not None and running.process.poll() is None:
        return running
    started = launch_clinic(folder_factory.mktemp("clinic"), None, **extra_env)
    try:
        started.wait_ready()
    except BaseException:
        started.stop()
        raise
    _SHARED[key] = started
    return started


def stop_shared_clinics() -> None:
    """Stop every page clinic of this worker (an idle clinic costs 3 % of a core)."""
    while _SHARED:
        _, clinic = _SHARED.popitem()
        clinic.stop()


@pytest.fixture
def start_clinic(tmp_path: Path) -> Iterator:
    started: list[Clinic] = []

    def start(ports: dict[str, int] | None = None, **extra_env: str) -> Clinic:
        clinic = launch_clinic(tmp_path, ports, **extra_env)
        started.append(clinic)
        return clinic

    yield start
    for clinic in started:
        if clinic.process.poll() is None:
            clinic.stop()
