"""``Idempotency-Key`` on create calls: the same key gives the same answer, never a second
booking.

The key is recorded in the same transaction as the booking it guards. A second
request with the key waits for the first's commit (the key's primary key makes
it), then is answered from the record. A request that failed left no record, so
it may be retried with the same key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from flask import request
from flask_smorest import abort
from sqlalchemy.orm import Session

from services.common.db import utcnow

from ..models import IdempotencyRecord

HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class Replay:
    """The key was used before: answer with what was answered then."""

    status: int
    body: Any


def request_key() -> str | None:
    key = request.headers.get(HEADER, "").strip()
    if len(key) > 200:
        abort(422, message=f"{HEADER} is at most 200 characters.")
    return key or None


def fingerprint(body: Any) -> str:
    raw = json.dumps([request.method, request.path, body], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def claim(session: Session, key: str, principal: str, endpoint: str, digest: str) -> None:
    session.add(IdempotencyRecord(key=key, principal=principal, endpoint=endpoint,
                                  request_hash=digest, status_code=0, body="",
                                  created_at=utcnow()))
    session.flush()


def remember(session: Session, key: str, principal: str, status: int, body: Any) -> None:
    record = session.get(IdempotencyRecord, (key, principal))
    assert record is not None
    record.status_code = status
    record.body = json.dumps(body, ensure_ascii=False, default=str)


def previous(session: Session, key: str, principal: str, digest: str) -> Replay | None:
    """The earlier answer for this key, or None when the key was never committed."""
    record = session.get(IdempotencyRecord, (key, principal))
    if record is None:
        return None
    if record.request_hash != digest:
        abort(422, message=f"This {HEADER} was used for a different request.")
    return Replay(record.status_code, json.loads(record.body))
