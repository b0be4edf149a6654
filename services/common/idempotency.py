"""``Idempotency-Key`` on create calls: the same key gives the same answer, never a second
booking, hold or enquiry (SPEC §3).

The key is recorded in the same transaction as the change it guards. A second
request with the key waits for the first's commit (the key's primary key makes it),
then is answered from the record. A request that failed left no record, so it may
be retried with the same key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Conflict, UTCDateTime
from .runtime import Runtime

if TYPE_CHECKING:
    from flask import Response

# The models of every service hold an IdempotencyMixin table, and a worker loads the models:
# Flask (and the web module) are imported by the functions that answer requests, when they run.

HEADER = "Idempotency-Key"
DOC = {"in": "header", "name": HEADER, "required": False,
       "schema": {"type": "string", "maxLength": 200}}


class IdempotencyMixin:
    """Columns of the ``idempotency_keys`` table: one answer per key and member of staff."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    principal: Mapped[str] = mapped_column(String(60), primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(60))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    if TYPE_CHECKING:
        def __init__(self, **columns: Any) -> None: ...


@dataclass(frozen=True)
class Replay:
    """The key was used before: answer with what was answered then (its JSON text)."""

    status: int
    body: str


def request_key() -> str | None:
    from flask import request

    from .web import abort

    key = request.headers.get(HEADER, "").strip()
    if len(key) > 200:
        abort(422, message=f"{HEADER} is at most 200 characters.")
    return key or None


def fingerprint(body: Any) -> str:
    from flask import request

    raw = json.dumps([request.method, request.path, body], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def as_json(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False, default=str)


def answered(status: int, text: str) -> Response:
    from flask import Response

    return Response(text, status=status, mimetype="application/json")


class Keys:
    """The idempotency records of one service (its own table)."""

    def __init__(self, model: type[IdempotencyMixin]) -> None:
        self.model = model

    def claim(self, session: Session, key: str, principal: str, endpoint: str, digest: str,
              now: datetime) -> None:
        session.add(self.model(key=key, principal=principal, endpoint=endpoint,
                               request_hash=digest, status_code=0, body="", created_at=now))
        session.flush()

    def remember(self, session: Session, key: str, principal: str, status: int,
                 text: str) -> None:
        record = session.get(self.model, (key, principal))
        if record is None:
            raise LookupError("remember() follows claim() in the same transaction")
        record.status_code = status
        record.body = text

    def previous(self, session: Session, key: str, principal: str,
                 digest: str) -> Replay | None:
        """The earlier answer for this key, or None when the key was never committed."""
        record = session.get(self.model, (key, principal))
        if record is None:
            return None
        if record.request_hash != digest:
            from .web import abort

            abort(422, message=f"This {HEADER} was used for a different request.")
        return Replay(record.status_code, record.body)

    def _checked(self, session: Session, key: str | None, principal: str, digest: str,
                 precheck: Callable[[Session], None] | None) -> Replay | None:
        """A used key's answer, else None once the precheck let the request through."""
        if precheck is None:
            return None
        replay = self.previous(session, key, principal, digest) if key else None
        if replay is not None and replay.status:
            return replay
        precheck(session)
        return None

    def once(self, rt: Runtime[Any], principal: str, endpoint: str, data: Any,
             work: Callable[[Session], Any], status: int = 201,
             refusals: Callable[[], AbstractContextManager[Any]] = nullcontext,
             precheck: Callable[[Session], None] | None = None) -> Response:
        """Run ``work(session)`` in one transaction and answer its body; with a key, record
        the answer in the same transaction, and answer a repeat of the key from the record.

        A repeat that arrives while the first is still running waits on the key's row and,
        once the first commits, gets its answer. Other unique-key refusals are raised as
        :class:`Conflict` for the endpoint to name.

        ``precheck(session)`` runs first, before anything is written or locked: a request
        it refuses (a full slot) is answered without queueing behind the writers. A key
        already answered is answered from its record before the precheck, so a retried
        booking gets its booking, not "full".
        """
        key = request_key()
        digest = fingerprint(data)
        # SQLite's writer takes its lock at BEGIN, so its precheck needs a read of its own;
        # on PostgreSQL the write transaction's first reads take no lock, so the precheck
        # runs there and a booking costs one transaction, not two.
        apart = precheck is not None and rt.db.dialect == "sqlite"
        if apart:
            with refusals(), rt.db.reading() as session:
                replay = self._checked(session, key, principal, digest, precheck)
            if replay is not None:
                return answered(replay.status, replay.body)
        try:
            with refusals(), rt.db.transaction() as session:
                if not apart:
                    replay = self._checked(session, key, principal, digest, precheck)
                    if replay is not None:
                        return answered(replay.status, replay.body)
                if key:
                    self.claim(session, key, principal, endpoint, digest, rt.now())
                text = as_json(work(session))  # serialised once: the record and the answer
                if key:
                    self.remember(session, key, principal, status, text)
        except Conflict:
            if key:
                with rt.db.reading() as session:
                    replay = self.previous(session, key, principal, digest)
                if replay is not None:
                    return answered(replay.status, replay.body)
            raise
        return answered(status, text)
