"""What followup's blueprints share: who may call and read, the read-only unit of work,
idempotent creates and the phone as sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response

from services.common.idempotency import Keys
from services.common.phones import InvalidPhone, normalise
from services.common.refusals import Invalid
from services.common.unit_of_work import Work

from ..config import runtime
from ..models import IdempotencyRecord

KEYS = Keys(IdempotencyRecord)
CALLERS = ("consultant",)
READERS = ("manager", "admin")


def once(endpoint: str, data: Any, act: Callable[[Work[Any]], Any]) -> Response:
    """``act`` in the unit of work of an idempotent create (see ``Keys.once``)."""
    return KEYS.once(endpoint, data, act)


def phone_of(raw: str) -> str:
    """The phone as sent, in E.164; one that is no phone is refused naming the field."""
    try:
        return normalise(raw, runtime().settings.phone_region).e164
    except InvalidPhone as exc:
        raise Invalid(message=str(exc), field="phone") from exc
