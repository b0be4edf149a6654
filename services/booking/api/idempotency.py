"""``Idempotency-Key`` on booking's creates (appointments, walk-ins, holds, the waitlist)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response

from services.common.auth import current_principal
from services.common.idempotency import DOC, Keys
from services.common.unit_of_work import Work, desk_for

from ..config import runtime
from ..models import IdempotencyRecord

__all__ = ["DOC", "once"]

KEYS = Keys(IdempotencyRecord)
Step = Callable[[Work[Any]], Any]


def once(endpoint: str, data: Any, step: Step, status: int = 201,
         precheck: Callable[[Work[Any]], None] | None = None, *,
         fresh_hospital: bool = False) -> Response:
    """Run ``step`` in the key's transaction, at the signed-in member's desk (the hospital
    read now with ``fresh_hospital``); ``precheck`` as :meth:`Keys.once` runs it."""
    rt = runtime()
    by = current_principal().username

    def at_desk(run: Step, fresh: bool) -> Callable[..., Any]:
        """``run`` as :meth:`Keys.once` calls it: with the session of the key's transaction."""
        return lambda session: run(Work(session, desk_for(rt, session, by, fresh_hospital=fresh),
                                        rt))

    return KEYS.once(rt, by, endpoint, data, at_desk(step, fresh_hospital), status,
                     precheck=at_desk(precheck, False) if precheck else None)
