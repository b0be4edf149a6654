"""Fixtures shared by every test: databases, brokers and service settings."""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection, Queue

from services.common.clock import MovableClock
from tests.support import servers
from tests.support.logs import personal_data_in
from tests.support.services import in_process_settings, service_parts

# --- no phone number or email in any log line, during the whole run -------------------------

LOG_FILE_NAME = "clinic-test-log{worker}.txt"


def pytest_configure(config: pytest.Config) -> None:
    """Every process the run starts (they inherit LOG_FILE) also logs to a file. Under
    pytest-xdist the controller makes the folder and each worker (and what it starts) logs to
    a file of its own in it (``clinic-test-log-gw0.txt`` …); the controller's end-of-run check
    reads them all."""
    # Every service process the run starts (clinics, the fault systems, the soak) keeps a
    # pool of PostgreSQL connections, and all of them share the machine's 100: at the
    # default ten (thirty at a peak) a run ran out of them and a booking got "too many
    # clients" (2026-12-07).
    # Three each (nine at a peak) still covers a web process's eight threads.
    os.environ.setdefault("DB_POOL_SIZE", "3")
    worker_input = getattr(config, "workerinput", None)
    if worker_input is not None:
        config.clinic_log_folder = None  # type: ignore[attr-defined]  # the controller checks
        worker = f"-{worker_input['workerid']}"
        os.environ["LOG_FILE"] = str(Path(worker_input["clinic_log_folder"])
                                     / LOG_FILE_NAME.format(worker=worker))
        config.pluginmanager.register(_LongestFirst(), "clinic-longest-first")
        return
    threading.Thread(target=_unicode_tables, daemon=True).start()
    folder = Path(tempfile.mkdtemp(prefix="clinic-logs-"))
    config.clinic_log_folder = folder  # type: ignore[attr-defined]
    os.environ["LOG_FILE"] = str(folder / LOG_FILE_NAME.format(worker=""))
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_Workers(folder), "clinic-xdist")


def pytest_collection_finish(session: pytest.Session) -> None:
    """The collected modules' objects are kept out of the garbage collector's sweeps, and
    it sweeps less often: in the fast tests it spent a fifth of each worker's CPU (6 of 29 s
    in tests/booking), most of it in full sweeps of a heap holding the app, engine and API
    each test leaves behind in reference cycles. Full sweeps now come about ten times less
    often, so that garbage waits longer (``make_app`` closes its apps' database
    connections at each test's end, not left to the sweep). The whole fast run: 120-131
    busy core-seconds against 140-146, taken in turns."""
    gc.freeze()
    gc.set_threshold(5000, 20, 100)


def _unicode_tables() -> None:
    """Hypothesis's tables of the characters UTF-8 encodes, worked out once for the run
    while the workers start: in a fresh clone (no ``.hypothesis/unicode_data`` yet) each
    worker that drew a string worked them out itself, 3.6 CPU-s each."""
    with contextlib.suppress(Exception):  # an internal of hypothesis, pinned; only a saving
        from hypothesis.internal.charmap import charmap, intervals_from_codec

        charmap()
        intervals_from_codec("utf-8")


class _Workers:
    """xdist's hooks, registered only when xdist is there: each worker is told the log
    folder, and ``--dist loadgroup`` shares the tests out as :mod:`tests.support.scheduling`
    says (xdist's own loadgroup does not group under pytest 9.2)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["clinic_log_folder"] = str(self.folder)

    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        if config.getvalue("dist") != "loadgroup":
            return None
        from tests.support.scheduling import SharedFixtureScheduling

        return SharedFixtureScheduling(config, log)


class _LongestFirst:
    """On an xdist worker, once pytest has ordered the tests by their fixtures: the long
    kinds of test first (``tests.support.scheduling.weight``), so that no worker is left
    with a long module while the other has finished. Every worker sorts the same way, so
    they still agree on the collection."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        from tests.support.scheduling import weight

        rootdir = Path(config.rootpath)
        items.sort(key=lambda item: weight(item, rootdir))


SERVER_FIXTURES = {"pg_url": "postgres", "postgres_available": "postgres",
                   "amqp_url": "rabbitmq", "rabbit_session_url": "rabbitmq",
                   "rabbit_to_stop": "rabbitmq", "rabbit_node": "rabbitmq"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that asks for a real server is marked so, whichever fixture asked:
    ``make test-fast`` leaves them out by marker. (How the tests are shared out between
    pytest-xdist workers: ``tests/support/scheduling.py``.)"""
    for item in items:
        for fixture in getattr(item, "fixturenames", ()):
            if fixture in SERVER_FIXTURES:
                item.add_marker(SERVER_FIXTURES[fixture])
    _two_setups_only(config, items)


#: The setups the clinic ships, as (bus, database): the embedded default and production.
SHIPPED_SETUPS = {("filesystem", "sqlite"), ("rabbitmq", "postgresql")}


def _two_setups_only(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test on both the bus and the database runs on the two setups the clinic ships (the
    file bus on SQLite, RabbitMQ on PostgreSQL), not on all four pairs: each bus and each
    database is still met, and the mixed pairs cost a full run about 150 worker-seconds
    (2026-12-07). ``CLINIC_ALL_SETUPS=1`` runs the mixed pairs too."""
    if os.environ.get("CLINIC_ALL_SETUPS") == "1":
        return
    kept, mixed = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        pair = (params.get("broker"), params.get("database_url"))
        if None in pair or pair in SHIPPED_SETUPS:
            kept.append(item)
        else:
            mixed.append(item)
    if mixed:
        config.hook.pytest_deselected(items=mixed)
        items[:] = kept


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A worker leaving the page tests stops the clinics and the Chromium they shared."""
    if item.path.parent.name != "browser":
        _stop_page_tests_servers()


def _stop_page_tests_servers() -> None:
    # Looked up, not imported: a run without page tests has not loaded them.
    browser = sys.modules.get("tests.browser.conftest")
    if browser is not None:
        browser.stop_browser()
    clinics = sys.modules.get("tests.e2e.conftest")
    if clinics is not None:
        clinics.stop_shared_clinics()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """No log line of the run (every xdist worker's too) carries personal data."""
    _stop_page_tests_servers()  # first: their last log lines are checked too
    folder = getattr(session.config, "clinic_log_folder", None)
    if folder is None:
        return
    paths = sorted(folder.glob(LOG_FILE_NAME.format(worker="*")))
    lines = [line for path in paths for line in path.read_text(errors="replace").splitlines()]
    leaks = [line for line in lines if personal_data_in(line)]
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if leaks:
        if reporter:
            reporter.write_line(f"{len(leaks)} log lines carry a patient's phone, email, name "
                                "or complaint "
                                f"(see {folder}); the first: {leaks[0][:80]}…", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif reporter and paths:
        reporter.write_line(f"log check: {len(lines)} log lines written in {len(paths)} "
                            "files, none with a patient's phone, email, name or complaint")


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    if not servers.port_open(servers.PG_HOST, servers.PG_PORT):
        servers.unavailable(f"PostgreSQL is not reachable at {servers.PG_HOST}:{servers.PG_PORT}")
    return True


@pytest.fixture
def pg_url(postgres_available: bool) -> Iterator[str]:
    """A fresh PostgreSQL database for one test."""
    with servers.pg_database() as url:
        yield url


@pytest.fixture(scope="session")
def rabbit_session_url() -> Iterator[str]:
    """One RabbitMQ vhost for the whole run (made and deleted by it)."""
    if not servers.port_open(servers.RABBIT_HOST, servers.RABBIT_PORT):
        servers.unavailable(
            f"RabbitMQ is not reachable at {servers.RABBIT_HOST}:{servers.RABBIT_PORT}")
    try:
        with servers.rabbit_vhost() as url:
            yield url
    except (RuntimeError, OSError) as exc:
        servers.unavailable(f"cannot create a RabbitMQ vhost: {exc}")


CLINIC_QUEUES = ("clinic.events--schedule", "clinic.events--booking", "clinic.events--notify",
                 "clinic.events--followup",
                 "clinic.events--test")


@pytest.fixture
def amqp_url(rabbit_session_url: str) -> Iterator[str]:
    """The run's vhost, with the clinic queues deleted after each test."""
    yield rabbit_session_url
    _delete_clinic_queues(rabbit_session_url)


@pytest.fixture(scope="session")
def rabbit_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.RabbitNode]:
    """A RabbitMQ node of this worker's own, started at its first use (about 10 s and
    10 CPU-s) and stopped at the worker's end, for the tests that stop and start the
    broker: the machine's node goes on serving the other workers' tests meanwhile. The
    tests that stop it are all in ``tests/faults/test_faults.py``, which one worker runs
    whole, so a run starts one."""
    with contextlib.ExitStack() as stack:
        try:
            node = stack.enter_context(servers.rabbit_node(tmp_path_factory.mktemp("rabbitmq")))
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            servers.unavailable(f"cannot start a RabbitMQ node of the tests' own: {exc}")
        yield node


@pytest.fixture
def rabbit_to_stop(rabbit_node: servers.RabbitNode) -> Iterator[servers.RabbitNode]:
    """:func:`rabbit_node` for a test on its default vhost (``rabbit_to_stop.url``) that
    stops it (``rabbit_to_stop.ctl("stop_app")``): the clinic queues deleted after it."""
    yield rabbit_node
    _delete_clinic_queues(rabbit_node.url)


def _delete_clinic_queues(url: str) -> None:
    with Connection(url, connect_timeout=5) as conn:
        for name in CLINIC_QUEUES:
            with contextlib.suppress(Exception):
                Queue(name, channel=conn.channel()).delete()


@dataclass
class Broker:
    """Where a test's bus lives: a URL, and a folder for the filesystem transport."""

    kind: str
    url: str
    bus_dir: Path

    def settings(self) -> dict[str, Any]:
        return {"broker_url": self.url, "bus_dir": self.bus_dir}


@pytest.fixture(params=["filesystem", pytest.param("rabbitmq", marks=pytest.mark.rabbitmq)])
def broker(request: pytest.FixtureRequest, tmp_path: Path) -> Broker:
    """Each bus test runs on the embedded file bus and on RabbitMQ."""
    if request.param == "filesystem":
        return Broker("filesystem", "filesystem://", tmp_path / "bus")
    return Broker("rabbitmq", request.getfixturevalue("amqp_url"), tmp_path / "bus")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each database test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Any]:
    """Build a service's settings pointing at this test's folder."""

    def factory(settings_cls: type, **overrides: Any) -> Any:
        return in_process_settings(settings_cls, **{"var_dir": tmp_path / "var", **overrides})

    return factory


# --- the three services, on SQLite and the file bus, in-process -----------------------------

@pytest.fixture
def clock() -> MovableClock:
    """The time every app of the test acts at: now, until the test moves it."""
    return MovableClock()


@pytest.fixture(scope="session", autouse=True)
def _sqlite_statements_compiled_once() -> Iterator[None]:
    """Every SQLite engine of the run shares one dialect (an in-memory engine's) and one
    compiled-statement cache. SQLAlchemy keys a compiled statement by its engine's dialect
    object, so each test's new engine compiled every statement again: a sixth of the fast
    tests' CPU. A service runs one engine for its life, so production compiles each once
    already; the SQL sent is the same either way (same dialect class, same settings)."""
    from services.common import db

    make_engine = db.make_engine
    first = make_engine("sqlite://")
    with first.connect():
        pass  # the dialect learns the SQLite library's version and abilities
    compiled: dict[Any, Any] = {}

    def sharing(url: str, **kwargs: Any) -> Any:
        engine = make_engine(url, **kwargs)
        if engine.dialect.name == "sqlite":
            engine.dialect = first.dialect
            engine.update_execution_options(compiled_cache=compiled)
        return engine

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(db, "make_engine", sharing)
        yield
    first.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Each service's SQLite database migrated once per run; a test copies the file
    instead of migrating its own (the migrations themselves are tested on their own)."""
    from services.common.db import Database
    from services.common.migrations import upgrade

    folder = tmp_path_factory.mktemp("migrated")
    made: dict[str, Path] = {}

    def template(service: str) -> Path:
        if service not in made:
            path = folder / f"{service}.db"
            db = Database(f"sqlite:///{path}")
            upgrade(db, f"services.{service}:migrations")
            db.dispose()
            made[service] = path
        return made[service]

    return template


@pytest.fixture
def make_app(make_settings: Callable[..., Any], clock: MovableClock,
             migrated_sqlite: Callable[[str], Path]) -> Iterator[Callable[..., Any]]:
    """Build a service's Flask app on this test's SQLite files and file bus, on ``clock``.
    Its database connections close when the test ends, not when the garbage collector
    next sweeps the app away (see ``pytest_collection_finish``)."""
    made: list[Any] = []

    def factory(name: str, **overrides: Any) -> Any:
        create_app, settings_cls = service_parts(name)
        copied = "database_url" not in overrides  # a copy of the migrated template
        if copied:
            overrides.setdefault("migrate_on_start", False)  # nothing to check on a copy
        settings = make_settings(settings_cls, **overrides)
        if copied:
            target = settings.var_dir / f"{name}.db"
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(migrated_sqlite(name), target)
        app = create_app(settings, clock=clock)
        app.config["TESTING"] = True
        made.append(app)
        return app

    yield factory
    for app in made:
        app.extensions["clinic"].db.dispose()


@pytest.fixture
def auth_header(make_settings: Callable[..., Any]) -> Callable[..., dict[str, str]]:
    """``auth_header("admin")`` → an Authorization header for a token with that role."""
    from services.common.config import DEFAULT_JWT_SECRET
    from services.common.tokens import issue_token

    def header(*roles: str, secret: str = DEFAULT_JWT_SECRET, ttl: int = 600) -> dict[str, str]:
        token = issue_token(secret, f"test-{'-'.join(roles)}", roles, ttl_seconds=ttl)
        return {"Authorization": f"Bearer {token}"}

    return header
