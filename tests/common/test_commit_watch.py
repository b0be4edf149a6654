"""The outbox relay of an SQLite file asks for pending rows only after a commit."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from services.common.db import Database
from tests.support.bus import BusApp, Running, wait_until
from tests.support.sql import statements


def test_a_watch_sees_each_commit_of_another_connection_or_process(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'watched.db'}")
    with db.transaction() as session:
        session.execute(text("CREATE TABLE t (n INTEGER)"))
    watch = db.commit_watch()
    assert watch is not None
    assert watch.changed(), "the first look"
    assert not watch.changed(), "nothing committed since"
    with db.reading() as session:
        session.execute(text("SELECT count(*) FROM t")).scalar()
    assert not watch.changed(), "a read commits nothing"
    with db.transaction() as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
    assert watch.changed()
    assert not watch.changed()
    subprocess.run([sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
                    " c.execute('INSERT INTO t VALUES (2)'); c.commit()",
                    str(tmp_path / "watched.db")], check=True)
    assert watch.changed(), "a commit by another process (a web process, for the worker)"
    watch.close()
    db.dispose()


def test_no_watch_where_there_is_no_sqlite_file() -> None:
    assert Database("sqlite://").commit_watch() is None
    assert Database("postgresql+psycopg://nobody@127.0.0.1:1/none").commit_watch() is None


def test_an_idle_relay_on_sqlite_asks_for_nothing_until_a_commit(tmp_path: Path) -> None:
    app = BusApp(f"sqlite:///{tmp_path / 'relay.db'}", "filesystem://", tmp_path / "bus")
    with statements(app.db.engine) as asked, Running(app.relay.run):
        assert wait_until(lambda: any("outbox" in s for s in asked), 10), "the first poll"
        time.sleep(0.5)  # ten polls' time, idle
        idle = [s for s in asked if "FROM outbox" in s]
        app.emit(3)
        assert wait_until(lambda: app.counts()["pending"] == 0, 10), "published after the commit"
    assert len(idle) == 1, idle


def test_a_relay_whose_watch_fails_polls_as_before(tmp_path: Path, monkeypatch) -> None:
    app = BusApp(f"sqlite:///{tmp_path / 'relay.db'}", "filesystem://", tmp_path / "bus")

    def failing() -> int:
        raise sqlite3.OperationalError("disk I/O error")

    assert app.relay._watch is not None
    monkeypatch.setattr(app.relay._watch, "_look", failing)
    with Running(app.relay.run):
        app.emit(3)
        assert wait_until(lambda: app.counts()["pending"] == 0, 10), "published all the same"
