"""What followup's blueprints share: refusals as problems, the desk, idempotent creates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Response

from services.common.auth import current_principal
from services.common.idempotency import Keys
from services.common.phones import InvalidPhone
from services.common.web import abort

from ..config import runtime
from ..domain.calling import CallRefused
from ..domain.desk import Desk
from ..models import IdempotencyRecord
from ..ops.staff import known_as
from ..reads.hospital import open_desk

KEYS = Keys(IdempotencyRecord)
CALLERS = ("consultant",)
READERS = ("manager", "admin")


@contextmanager
def refusals() -> Iterator[None]:
    try:
        yield
    except CallRefused as exc:
        abort(exc.status, message=str(exc), code=exc.code)
    except InvalidPhone as exc:
        abort(422, message=str(exc), errors={"json": {"phone": [str(exc)]}})


def desk(session: Any) -> Desk:
    rt = runtime()
    return open_desk(session, rt.settings, current_principal().username, rt.now())


def working_desk(session: Any) -> Desk:
    """The desk of a request that writes: the member's display name is kept too, so the
    pages name them (their token carries it)."""
    here = desk(session)
    known_as(session, here, current_principal().name)
    return here


def once(endpoint: str, data: Any, work: Callable[[Any], Any]) -> Response:
    return KEYS.once(runtime(), current_principal().username, endpoint, data, work,
                     refusals=refusals)
