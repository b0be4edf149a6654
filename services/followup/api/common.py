"""What followup's blueprints share: who may call and read, the read-only unit of work,
idempotent creates and the phone as sent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Response
from sqlalchemy.orm import Session

from services.common.auth import current_principal
from services.common.idempotency import Keys
from services.common.phones import InvalidPhone, normalise
from services.common.refusals import Invalid
from services.common.unit_of_work import Work, desk_for
from services.common.unit_of_work import reading as reading_at

from ..config import runtime
from ..models import IdempotencyRecord

KEYS = Keys(IdempotencyRecord)
CALLERS = ("consultant",)
READERS = ("manager", "admin")


@contextmanager
def reading() -> Iterator[Work[Any]]:
    """This request's read-only unit of work, at the signed-in member's desk (what
    ``web.work()`` is for writes)."""
    with reading_at(runtime(), current_principal().username) as here:
        yield here


def once(endpoint: str, data: Any, act: Callable[[Work[Any]], Any]) -> Response:
    """``act`` in the unit of work of an idempotent create: the key's transaction, at the
    signed-in member's desk."""
    rt = runtime()
    by = current_principal().username

    def run(session: Session) -> Any:
        return act(Work(session, desk_for(rt, session, by), rt))

    return KEYS.once(rt, by, endpoint, data, run)


def phone_of(raw: str) -> str:
    """The phone as sent, in E.164; one that is no phone is refused naming the field."""
    try:
        return normalise(raw, runtime().settings.phone_region).e164
    except InvalidPhone as exc:
        raise Invalid(message=str(exc), field="phone") from exc
