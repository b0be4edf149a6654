"""Reads kept in the process for seconds: reused while fresh, read again after, and
forgotten as soon as a change to them commits (not when it rolls back)."""

from __future__ import annotations

import time
from pathlib import Path

from services.common.db import Database
from services.common.kept import Kept


def test_a_value_is_reused_while_fresh_and_read_again_after(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'kept.db'}")
    kept: Kept[int] = Kept(seconds=0.2)
    reads: list[int] = []

    def load() -> int:
        reads.append(1)
        return len(reads)

    assert kept.get(db.engine.url, "k", load) == 1
    assert kept.get(db.engine.url, "k", load) == 1, "kept"
    assert kept.get(db.engine.url, "other", load) == 2, "each key its own"
    time.sleep(0.25)
    assert kept.get(db.engine.url, "k", load) == 3, "read again once old"
    db.dispose()


def test_a_committed_change_forgets_the_value_a_rolled_back_one_does_not(
        tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'kept.db'}")
    kept: Kept[str] = Kept(seconds=3600)
    assert kept.get(db.engine.url, "k", lambda: "old") == "old"
    try:
        with db.transaction() as session:
            kept.forget_when_committed(session, "k")
            raise RuntimeError("the change fails")
    except RuntimeError:
        pass
    assert kept.get(db.engine.url, "k", lambda: "new") == "old"
    with db.transaction() as session:
        kept.forget_when_committed(session, "k")
    assert kept.get(db.engine.url, "k", lambda: "new") == "new"
    db.dispose()
