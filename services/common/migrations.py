"""Alembic migrations, applied on start by the web and the worker processes alike.

Several processes may start at once (gunicorn workers, the service worker), so
the upgrade runs under a lock: a PostgreSQL advisory lock, or a file lock beside
the SQLite database. Alembic is loaded when a migration runs, not with this module: a
process that does not migrate on start (``MIGRATE_ON_START=false``, as under ``make
run`` once it has migrated every database) never needs it.
"""

from __future__ import annotations

import fcntl
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection, make_url

from .db import Database

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(script_location: str, url: str) -> Config:
    """An Alembic config for one service, e.g. ``services.booking:migrations``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", script_location)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@contextmanager
def _migration_lock(db: Database, name: str) -> Iterator[Connection]:
    if db.dialect == "postgresql":
        key = zlib.crc32(f"clinic-migrate-{name}".encode())
        with db.engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            connection.commit()
            try:
                yield connection
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                connection.commit()
        return
    database = make_url(db.url).database or ""
    lock_path = Path(f"{database}.migrate.lock") if database not in ("", ":memory:") else None
    if lock_path is None:
        with db.engine.connect() as connection:
            yield connection
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            with db.engine.connect() as connection:
                yield connection
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def upgrade(db: Database, script_location: str, revision: str = "head") -> None:
    """Bring the database to the newest revision (or ``revision``); safe to call from many
    processes."""
    with _migration_lock(db, script_location) as connection, _sqlite_keys_off(connection):
        from alembic import command

        config = alembic_config(script_location, db.url)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()


@contextmanager
def _sqlite_keys_off(connection: Connection) -> Iterator[None]:
    """SQLite changes a table's constraints by copying it to a new table; with foreign
    keys enforced, dropping the old one fails when other tables point at it. So they are
    off during the migration (a pragma that only takes effect outside a transaction),
    checked afterwards, and on again."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migration left {len(broken)} rows pointing nowhere")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def run_env(target_metadata: MetaData) -> None:
    """The body of each service's ``migrations/env.py``."""
    from alembic import context

    config = context.config
    connection = config.attributes.get("connection")
    render_as_batch = True
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=render_as_batch, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    from sqlalchemy import create_engine

    engine = create_engine(config.get_main_option("sqlalchemy.url") or "",
                           poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata,
                          render_as_batch=render_as_batch, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()


def new_revision(script_location: str, message: str) -> None:
    """Autogenerate a revision by comparing the models with a scratch database at head."""
    import tempfile

    from alembic import command

    with tempfile.TemporaryDirectory() as scratch:
        db = Database(f"sqlite:///{scratch}/scratch.db")
        upgrade(db, script_location)
        with db.engine.connect() as connection:
            config = alembic_config(script_location, db.url)
            config.attributes["connection"] = connection
            command.revision(config, message=message, autogenerate=True)
        db.dispose()


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 4 or sys.argv[1] != "revision":
        sys.exit("usage: python -m services.common.migrations revision services.SVC:migrations MSG")
    new_revision(sys.argv[2], sys.argv[3])
