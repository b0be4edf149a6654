"""The database helpers every service uses, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, UniqueConstraint

from services.common.db import Database, inserted


def test_inserted_gives_the_new_row_or_none_when_the_key_is_taken(database_url: str) -> None:
    metadata = MetaData()
    table = Table("things", metadata, Column("id", Integer, primary_key=True),
                  Column("key", String(10)), UniqueConstraint("key"))
    db = Database(database_url, metadata=metadata)
    metadata.create_all(db.engine)
    try:
        with db.transaction() as session:
            first = inserted(session, table, {"key": "a"}, ["key"], table.c.id)
            assert first is not None and first.id >= 1
            assert inserted(session, table, {"key": "a"}, ["key"]) is None
            again = inserted(session, table, {"key": "b"}, ["key"])
            assert again is not None and again.key == "b"
    finally:
        db.dispose()
