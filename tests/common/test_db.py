"""The database helpers every service uses, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, UniqueConstraint

from services.common.db import Database, insert_unless_present


def test_insert_unless_present_says_whether_the_row_went_in(database_url: str) -> None:
    metadata = MetaData()
    table = Table("things", metadata, Column("id", Integer, primary_key=True),
                  Column("key", String(10)), UniqueConstraint("key"))
    db = Database(database_url, metadata=metadata)
    metadata.create_all(db.engine)
    try:
        with db.transaction() as session:
            assert insert_unless_present(session, table, {"key": "a"}, ["key"]) is True
            assert insert_unless_present(session, table, {"key": "a"}, ["key"]) is False
            assert insert_unless_present(session, table, {"key": "b"}, ["key"]) is True
    finally:
        db.dispose()
