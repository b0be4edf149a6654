"""Migrations apply on start from many processes at once without tripping over each other."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from services.common.db import Database
from services.common.migrations import alembic_config
from tests.support.services import SERVICES

ROOT = Path(__file__).resolve().parents[2]


def three_start_at_once(service: str, database_url: str) -> None:
    """Three processes started at once (each start is a Python start-up, 0.8 CPU-s: four
    each, eight runs, were most of this module's cost) migrate one database once."""
    env = {**os.environ, f"{service.upper()}_DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    command = [str(Path(sys.executable).parent / f"clinic-{service}"), "migrate"]
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT) for _ in range(3)]
    outputs = [p.communicate(timeout=120)[0].decode() for p in processes]
    assert [p.returncode for p in processes] == [0] * 3, outputs

    db = Database(database_url)
    head = ScriptDirectory.from_config(
        alembic_config(f"services.{service}:migrations", db.url)).get_current_head()
    with db.engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        tables = set(inspect(connection).get_table_names())
    db.dispose()
    assert versions == [(head,)]
    models = importlib.import_module(f"services.{service}.models")
    assert set(models.Base.metadata.tables) <= tables


@pytest.mark.slow
@pytest.mark.parametrize("service", SERVICES)
def test_concurrent_starts_migrate_once(service: str, pg_url: str) -> None:
    three_start_at_once(service, pg_url)


@pytest.mark.slow
def test_concurrent_starts_migrate_a_sqlite_file_once(tmp_path: Path) -> None:
    """On SQLite for one service: the file lock is the same code for every service
    (``services/common/migrations.py``), and each service's migrations run on SQLite in
    ``test_models_and_migrations_agree``."""
    three_start_at_once("booking", f"sqlite:///{tmp_path / 'booking.db'}")


@pytest.mark.parametrize("service", SERVICES)
def test_models_and_migrations_agree(service: str, tmp_path: Path) -> None:
    """A model change without its migration fails here (alembic's autogenerate finds it)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from services.common.migrations import upgrade

    db = Database(f"sqlite:///{tmp_path / 'check.db'}")
    upgrade(db, f"services.{service}:migrations")
    models = importlib.import_module(f"services.{service}.models")
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), models.Base.metadata)
    db.dispose()
    assert diff == []


@pytest.mark.postgres
def test_a_start_waits_for_a_database_that_is_away_for_a_moment(pg_url: str, caplog) -> None:
    """The database refuses connections as the process starts (a failover, its connections
    cut): the start waits and migrates once it is back, rather than exiting."""
    import threading
    import time

    import psycopg
    from sqlalchemy.engine import make_url

    from services.common.service import migrate_when_reachable
    from tests.support import servers

    name = make_url(pg_url).database
    admin_dsn = (f"host={servers.PG_HOST} port={servers.PG_PORT} user={servers.PG_USER} "
                 "dbname=postgres")
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        back = threading.Timer(2.0, admin.execute,
                               (f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true',))
        back.start()
        db = Database(pg_url)
        started = time.monotonic()
        try:
            migrate_when_reachable(db, "services.notify:migrations", wait=30)
        finally:
            back.join()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
        db.dispose()
    assert time.monotonic() - started >= 1.5, "it waited for the database"
    assert "the database is away (OperationalError)" in caplog.text


def test_a_worker_checks_the_migrations_as_migrate_on_start_says(tmp_path: Path,
                                                                 monkeypatch) -> None:
    """``make run`` migrates every database once, then starts its processes with
    ``MIGRATE_ON_START=false``: the workers' command line honours it too (it asked for a
    migration whatever the setting said); ``migrate`` always migrates."""
    from services.notify.cli import cli

    url = f"sqlite:///{tmp_path / 'notify.db'}"
    monkeypatch.setenv("NOTIFY_DATABASE_URL", url)
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("LOG_LEVEL", "WARNING")

    def tables() -> set[str]:
        db = Database(url)
        with db.engine.connect() as connection:
            found = set(inspect(connection).get_table_names())
        db.dispose()
        return found

    monkeypatch.setenv("MIGRATE_ON_START", "false")
    cli.runtime().db.dispose()
    assert "alembic_version" not in tables()
    cli.runtime(migrate=True).db.dispose()
    assert "alembic_version" in tables()
