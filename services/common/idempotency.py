"""``Idempotency-Key`` on create calls and on changes: the same key gives the same answer,
never a second booking, hold or enquiry (SPEC §3), nor a second cancel or move (SPEC §7).

The key is recorded in the same transaction as the change it guards. A second
request with the key waits for the first's commit (the key's primary key makes it),
then is answered from the record. A request that failed left no record, so it may
be retried with the same key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Conflict, UTCDateTime
from .refusals import Invalid
from .unit_of_work import Work, reading, unit_of_work

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


def request_key(given: str | None = None) -> str | None:
    """The request's key: ``given`` (a page's form field), else the header's."""
    from flask import request

    key = (request.headers.get(HEADER, "") if given is None else given).strip()
    if len(key) > 200:
        raise Invalid(message=f"{HEADER} is at most 200 characters.")
    if any(ord(c) < 32 or ord(c) == 127 for c in key):  # a NUL is no key (nor PostgreSQL text)
        raise Invalid(message=f"{HEADER} holds no control characters.")
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
            raise Invalid(message=f"This {HEADER} was used for a different request.")
        return Replay(record.status_code, record.body)

    def _checked(self, work: Work[Any], key: str | None, scope: str, digest: str,
                 precheck: Callable[[Work[Any]], None] | None) -> Replay | None:
        """A used key's answer, else None once the precheck let the request through."""
        if precheck is None:
            return None
        replay = self.previous(work.session, key, scope, digest) if key else None
        if replay is not None and replay.status:
            return replay
        precheck(work)
        return None

    def once(self, endpoint: str, data: Any, step: Callable[[Work[Any]], Any],
             status: int = 201, precheck: Callable[[Work[Any]], None] | None = None, *,
             fresh_hospital: bool = False, by: str | None = None,
             scope: str | None = None, key: str | None = None) -> Response:
        """Run ``step(work)`` in this request's unit of work and answer its body; with a key,
        record the answer in the same transaction, and answer a repeat of the key from the
        record.

        A repeat that arrives while the first is still running waits on the key's row and,
        once the first commits, gets its answer. Other unique-key refusals come out as the
        refusal declared beside the key (``db.refuse_on``).

        ``precheck(work)`` runs first, before anything is written or locked: a request it
        refuses (a full slot) is answered without queueing behind the writers. A key
        already answered is answered from its record before the precheck, so a retried
        booking gets its booking, not "full". ``fresh_hospital`` for a step whose answer
        tells the hospital's facts (see :func:`~services.common.unit_of_work.desk_for`).

        ``by`` acts for a request nobody signed in to (a patient's link: ``"patient"``),
        and ``scope`` then keeps its keys apart from everyone else's (the link's own
        scope); both default to the signed-in member, whose keys are theirs alone. ``key``
        is the key a page's form carries (a browser sends no header with a form).
        """
        from .auth import current_principal
        from .web import runtime

        rt = runtime()
        by = by or current_principal().username
        scope = scope or by
        key = request_key(key)
        digest = fingerprint(data)
        # SQLite's writer takes its lock at BEGIN, so its precheck needs a read of its own;
        # on PostgreSQL the write transaction's first reads take no lock, so the precheck
        # runs there and a booking costs one transaction, not two.
        apart = precheck is not None and rt.db.dialect == "sqlite"
        if apart:
            with reading(rt, by) as looking:
                replay = self._checked(looking, key, scope, digest, precheck)
            if replay is not None:
                return answered(replay.status, replay.body)
        try:
            with unit_of_work(rt, by, fresh_hospital=fresh_hospital) as work:
                if not apart:
                    replay = self._checked(work, key, scope, digest, precheck)
                    if replay is not None:
                        return answered(replay.status, replay.body)
                if key:
                    self.claim(work.session, key, scope, endpoint, digest, work.desk.now)
                text = as_json(step(work))  # serialised once: the record and the answer
                if key:
                    self.remember(work.session, key, scope, status, text)
        except Conflict:
            if key:
                with rt.db.reading() as session:
                    replay = self.previous(session, key, scope, digest)
                if replay is not None:
                    return answered(replay.status, replay.body)
            raise
        return answered(status, text)
