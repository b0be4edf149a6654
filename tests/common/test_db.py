"""The database helpers every service uses, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, UniqueConstraint, event, select
from sqlalchemy.orm import Session

from services.common.db import Database, append_row, inserted, rows_together


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


@pytest.fixture
def two_tables(database_url: str) -> Iterator[tuple[Database, Table, Table]]:
    metadata = MetaData()
    first = Table("firsts", metadata, Column("id", Integer, primary_key=True),
                  Column("word", String(10)))
    second = Table("seconds", metadata, Column("id", Integer, primary_key=True),
                   Column("word", String(10)), Column("note", String(10), nullable=True))
    db = Database(database_url, metadata=metadata)
    metadata.create_all(db.engine)
    yield db, first, second
    db.dispose()


def words(session: Session, table: Table) -> list[str]:
    return list(session.scalars(select(table.c.word).order_by(table.c.id)))


def test_rows_together_are_written_at_the_block_end_in_one_statement_on_postgresql(
        two_tables: tuple[Database, Table, Table]) -> None:
    db, first, second = two_tables
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements.append(statement)

    with db.transaction() as session:
        with rows_together(session):
            append_row(session, first, {"word": "a"})
            append_row(session, second, {"word": "b"})
            append_row(session, first, {"word": "c"})
            append_row(session, second, {"word": "d"})
            append_row(session, first, {"word": "e"})
            assert words(session, first) == [], "nothing is written before the block ends"
            event.listen(db.engine, "before_cursor_execute", seen)
        event.remove(db.engine, "before_cursor_execute", seen)
        assert words(session, first) == ["a", "c", "e"], "one table's rows keep their order"
        assert words(session, second) == ["b", "d"]
        with pytest.raises(ValueError, match="same columns"), rows_together(session):
            append_row(session, second, {"word": "f"})
            append_row(session, second, {"word": "g", "note": "x"})
    expected = 1 if db.dialect == "postgresql" else 2  # SQLite: one INSERT per table
    assert len(statements) == expected, statements


def test_rows_together_keep_nothing_when_the_block_raises_and_nest_with_savepoints(
        two_tables: tuple[Database, Table, Table]) -> None:
    db, first, second = two_tables
    with db.transaction() as session:
        with pytest.raises(RuntimeError), rows_together(session):
            append_row(session, first, {"word": "lost"})
            raise RuntimeError("the booking was refused")
        with rows_together(session):
            append_row(session, first, {"word": "outer"})
            with pytest.raises(RuntimeError), session.begin_nested(), rows_together(session):
                append_row(session, second, {"word": "inner"})
                raise RuntimeError("the savepoint is rolled back")
            with session.begin_nested(), rows_together(session):
                append_row(session, second, {"word": "kept"})
        append_row(session, first, {"word": "at once"})  # no block: written now
        assert words(session, first) == ["outer", "at once"]
        assert words(session, second) == ["kept"]
