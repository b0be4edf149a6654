"""Engines, sessions and column types shared by the services' persistence layers.

SQLite is the embedded default and PostgreSQL the production database; the same
code runs on both. On SQLite every transaction starts with ``BEGIN IMMEDIATE``
so that writers queue on the database lock instead of failing with
``database is locked`` when a read transaction tries to upgrade.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import (
    DateTime,
    Engine,
    MetaData,
    Table,
    UniqueConstraint,
    bindparam,
    create_engine,
    event,
    insert,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult, Row, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import TypeDecorator

from .refusals import Refused

log = logging.getLogger(__name__)

READ_ONLY = "clinic_read_only"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no offset, PostgreSQL does; this type makes both answer the same.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is UTC:
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def changed(session: Session, statement: Executable,
            parameters: dict[str, Any] | None = None) -> int:
    """Run an UPDATE or DELETE (with ``parameters`` for its bound ones) and say how many
    rows it changed."""
    result = session.execute(statement, parameters)
    return int(cast(CursorResult[Any], result).rowcount)


def one_at_a_time(session: Session, key: str) -> None:
    """Until this transaction ends, others asking for the same ``key`` wait their turn.

    For a check-then-write whose check a concurrent writer could make stale without a
    row to lock (a hold count, a do-not-call entry not yet there). A PostgreSQL
    advisory lock; SQLite's single writer already takes turns.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def after_commit_once(session: Session, name: str, action: Callable[[], None]) -> None:
    """Run ``action`` once ``session`` commits (not on rollback), however often the
    transaction asks for ``name``: what a change makes stale is forgotten or woken once."""
    asked = session.info.setdefault("after_commit", set())
    if name in asked:
        return
    asked.add(name)
    event.listen(session, "after_commit", lambda _session: action(), once=True)


_TOGETHER = "rows_written_together"
_Shape = tuple[tuple[Table, tuple[str, ...], int], ...]


@contextmanager
def rows_together(session: Session) -> Iterator[None]:
    """Rows :func:`append_row` is given inside the block are written when it ends, all in
    one statement on PostgreSQL (an INSERT per table, each but the last a CTE of the
    last) and one INSERT per table on SQLite: a request's log, history and outbox rows
    cost one round trip. A table's rows are written in the order given (events keep
    theirs) and must name the same columns.
    Nothing is written when the block raises. A block inside another writes its own rows
    at its own end (so a savepoint inside the outer block keeps or drops its rows with
    it). Only for rows nothing in the block reads back."""
    outer = session.info.get(_TOGETHER)
    rows: list[tuple[Table, dict[str, Any]]] = []
    session.info[_TOGETHER] = rows
    try:
        yield
    finally:
        session.info[_TOGETHER] = outer
    if rows:
        _write_together(session, rows)


def append_row(session: Session, table: Table, row: dict[str, Any]) -> None:
    """Insert an append-only row: at once, or with the others of a :func:`rows_together`
    block around this call."""
    rows = session.info.get(_TOGETHER)
    if rows is None:
        session.execute(insert(table).values(**row))
    else:
        rows.append((table, row))


def _write_together(session: Session, rows: list[tuple[Table, dict[str, Any]]]) -> None:
    groups: dict[Table, list[dict[str, Any]]] = {}
    for table, row in rows:  # a table's rows keep their order (and so their ids)
        groups.setdefault(table, []).append(row)
    for same in groups.values():
        if any(row.keys() != same[0].keys() for row in same):
            raise ValueError("rows of one table written together must name the same columns")
    shape = tuple((table, tuple(same[0]), len(same)) for table, same in groups.items())
    if session.get_bind().dialect.name != "postgresql":
        for table, same in groups.items():
            session.execute(insert(table), same)
        return
    parameters = {f"g{g}r{n}_{column}": value
                  for g, same in enumerate(groups.values())
                  for n, row in enumerate(same) for column, value in row.items()}
    session.execute(_together(shape), parameters)


@lru_cache(maxsize=64)
def _together(shape: _Shape) -> Executable:
    """One statement writing rows of this shape, built once: one INSERT per table with
    bound parameters, all but the last as CTEs of the last (PostgreSQL runs every CTE, in
    no set order between them). A table's several rows come from a UNION ALL, in order:
    a multi-row VALUES would do the same but SQLAlchemy does not cache its SQL."""
    inserts = [_insert_rows(g, table, columns, count)
               for g, (table, columns, count) in enumerate(shape)]
    last = inserts.pop()
    for n, statement in enumerate(inserts):
        last = last.add_cte(statement.cte(f"written_{n}"))
    return last


def _insert_rows(g: int, table: Table, columns: tuple[str, ...], count: int) -> Any:
    def bound(n: int, column: str) -> Any:
        return bindparam(f"g{g}r{n}_{column}", type_=table.c[column].type)

    if count == 1:
        return insert(table).values({column: bound(0, column) for column in columns})
    rows = union_all(*(select(*(bound(n, column).label(column) for column in columns))
                       for n in range(count)))
    return insert(table).from_select(list(columns), rows)


def insert_for(dialect: str) -> Callable[[Any], Any]:
    """The dialect's INSERT, which knows ``ON CONFLICT`` (both databases have it)."""
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


def inserted(session: Session, table: Any, values: dict[str, Any], key: list[str],
             *returning: Any) -> Row[Any] | None:
    """Insert a row unless ``key`` is taken: the ``returning`` columns (the key's when none
    are named) of the row that went in, or None when another row has that key.

    ``INSERT … ON CONFLICT (key) DO NOTHING RETURNING`` on both databases, one round trip:
    two requests inserting the same key at once leave one row and neither fails (the
    second waits for the first on PostgreSQL, then finds its row). A conflict on any other
    unique index still raises.
    """
    statement = _inserting(session.get_bind().dialect.name, table, tuple(values), tuple(key),
                           returning)
    return session.execute(statement, values).first()


@lru_cache(maxsize=64)
def _inserting(dialect: str, table: Any, columns: tuple[str, ...], key: tuple[str, ...],
               returning: tuple[Any, ...]) -> Executable:
    """:func:`inserted`'s statement for these columns, built once with bound parameters (a
    booking's patient row: building it afresh cost more than running it)."""
    # RETURNING says whether the row went in: the driver's rowcount cannot (psycopg gives
    # -1 for this statement, which once made every new patient look known).
    return insert_for(dialect)(table).values(
        {column: bindparam(column, type_=table.c[column].type) for column in columns}
    ).on_conflict_do_nothing(index_elements=list(key)).returning(
        *(returning or [table.c[column] for column in key]))


def table_of(model: Any) -> Table:
    """A mapped class's table, typed as one, for Core statements on the hot paths."""
    return cast(Table, model.__table__)


def keep_loaded(session: Session, *objects: object) -> None:
    """Keep ``objects`` alive until the session closes.

    The identity map holds objects weakly: one no longer referenced is dropped, and
    the next ``session.get()`` for it queries again. A request that reads a row once
    and describes it twice (the event, the answer) keeps it here instead.
    """
    session.info.setdefault("kept", []).extend(o for o in objects if o is not None)


def is_transient(exc: BaseException) -> bool:
    """The database was away for a moment (connection dropped, server restarting, SQLite
    busy): the same work will succeed when tried again, so it is not the work's fault."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _is_unique_violation(exc: IntegrityError) -> bool:
    sqlstate = getattr(getattr(exc.orig, "diag", None), "sqlstate", None)
    if sqlstate is not None:
        return bool(sqlstate == "23505")
    return str(exc.orig).startswith("UNIQUE constraint failed")


_SQLITE_UNIQUE = re.compile(r"^UNIQUE constraint failed: (.+)$")


def violated_constraint(exc: IntegrityError, metadata: MetaData) -> str | None:
    """The name of the unique constraint or index the database refused, or None.

    PostgreSQL names it in the error's diagnostics. SQLite names only the columns
    (``UNIQUE constraint failed: t.a, t.b``, its documented form); they are matched
    against the unique indexes and constraints the models declare, and a primary
    key is named as PostgreSQL names it, ``<table>_pkey``.
    """
    diag = getattr(exc.orig, "diag", None)
    if diag is not None:
        return getattr(diag, "constraint_name", None)
    match = _SQLITE_UNIQUE.match(str(exc.orig))
    if match is None:
        return None
    qualified = [c.strip().split(".", 1) for c in match.group(1).split(",")]
    tables = {table for table, _ in qualified}
    if len(tables) != 1 or (table_name := tables.pop()) not in metadata.tables:
        return None
    columns = {column for _, column in qualified}
    table = metadata.tables[table_name]
    if {c.name for c in table.primary_key.columns} == columns:
        return f"{table_name}_pkey"
    for index in table.indexes:
        if index.unique and {c.name for c in index.columns} == columns and index.name:
            return str(index.name)
    for constraint in table.constraints:
        if (isinstance(constraint, UniqueConstraint) and constraint.name
                and {c.name for c in constraint.columns} == columns):
            return str(constraint.name)
    return None


def normalise_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs, as the project pins it."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """Create the engine for one service database, with SQLite tuned for concurrency."""
    url = normalise_url(url)
    if not is_sqlite(url):
        # Sessions in UTC: timestamps come back already in UTC, which UTCDateTime
        # then passes through instead of converting each one.
        return create_engine(
            url, pool_size=pool_size, max_overflow=pool_size * 2, pool_pre_ping=True,
            pool_recycle=1800, connect_args={"options": "-c TimeZone=UTC"},
            hide_parameters=True,  # an error's message must not carry a patient's values
        )
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                           hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy issue BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Erased data is overwritten, not merely unlinked: without it a patient's phone
        # stays readable in the file's free space after an erasure (SPEC §11).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def checkpoint(engine: Engine) -> None:
    """SQLite: copy the write-ahead log into the database file and empty the log, so that
    pages from before an erasure (which hold what it erased) are not left in the ``-wal``
    file. Waits at most a second for readers; does nothing on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()  # outside any BEGIN: a checkpoint runs alone
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA busy_timeout=1000")
        try:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
    finally:
        raw.close()


def checkpoint_after_commit(session: Session) -> None:
    """:func:`checkpoint` once this transaction (an erasure) has committed."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    after_commit_once(session, "wal_checkpoint", lambda: checkpoint(engine))


class Conflict(Refused):
    """The database refused a change by a unique key; ``constraint`` names which (or None).

    A key whose refusal means a rule (a second booking for the same day) is declared
    beside it with :func:`refuse_on`, and comes out with that rule's code and words;
    any other (a replayed request, an event handled before) is a plain ``conflict``
    its caller recognises by the constraint's name, never by the driver's message.
    """

    def __init__(self, constraint: str | None) -> None:
        code, message = REFUSALS.get(constraint or "", (
            "conflict", "The record changed at the same moment; look at it again and retry."))
        super().__init__(code, message)
        self.constraint = constraint


#: Constraint name -> (code, message) of the refusal it means (see :func:`refuse_on`).
REFUSALS: dict[str, tuple[str, str]] = {}


def refuse_on(constraint: str, code: str, message: str) -> str:
    """Declare, beside a unique key, the refusal its violation means; returns the name so
    the key's declaration can use it: ``UniqueConstraint(..., name=refuse_on(...))``."""
    REFUSALS[constraint] = (code, message)
    return constraint


class Database:
    """One service's database: an engine and the sessions bound to it."""

    def __init__(self, url: str, *, pool_size: int = 10, metadata: MetaData | None = None) -> None:
        self.url = normalise_url(url)
        self.metadata = metadata or MetaData()
        self.engine = make_engine(self.url, pool_size=pool_size)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}),
                                     expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back if it raises.

        A unique key refusing the change (at a flush or at the commit) comes out as
        :class:`Conflict` naming the key.
        """
        try:
            with self.sessions() as session, session.begin():
                yield session
        except IntegrityError as exc:
            if _is_unique_violation(exc):
                raise Conflict(violated_constraint(exc, self.metadata)) from exc
            raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only; on SQLite it does not queue behind writers."""
        with self._readers() as session:
            yield session

    def commit_watch(self) -> CommitWatch | None:
        """A :class:`CommitWatch` on this database when it is an SQLite file, else None."""
        path = make_url(self.url).database
        if self.dialect != "sqlite" or not path or path == ":memory:":
            return None
        return CommitWatch(path)

    def checkpoint(self) -> None:
        """See :func:`checkpoint`."""
        checkpoint(self.engine)

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


class CommitWatch:
    """Whether anything was committed to an SQLite file since the last look, by any
    process: SQLite's ``PRAGMA data_version`` on a connection of the watch's own (it
    changes when another connection commits). A look costs a few microseconds, where
    the outbox relay's query costs a millisecond or more from a cold start: the relay
    of an idle worker asked it ten times a second for nothing."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._version: int | None = None

    def changed(self) -> bool:
        """True at the first look and whenever another connection has committed since
        the previous one; true too when the look fails (the watch is a shortcut: its
        user polls as it would without one, and the next look starts afresh)."""
        try:
            version = self._look()
        except sqlite3.Error as exc:
            log.warning("commit watch failed, polling: %s", exc)
            self.close()
            return True
        changed, self._version = version != self._version, version
        return changed

    def _look(self) -> int:
        if self._connection is None:
            self._connection = sqlite3.connect(self.path, check_same_thread=False,
                                               isolation_level=None)
        (version,) = self._connection.execute("PRAGMA data_version").fetchone()
        return int(version)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
            self._version = None


M = TypeVar("M")


def copy_to_update(session: Session, model: type[M], id_: int, at: datetime) -> M | None:
    """A service's copy of another's row (a department, an expert), to bring up to facts of
    ``at``: made if it is missing, ``None`` if the copy already holds newer facts (events
    may arrive out of order)."""
    row = session.get(model, id_)
    if row is not None and cast(Any, row).facts_at > at:
        return None
    if row is None:
        row = model(id=id_)  # type: ignore[call-arg]
        session.add(row)
    return row
