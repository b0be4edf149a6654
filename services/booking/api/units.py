"""This request's unit of work at the signed-in member's desk: ``work()`` (from
``services.common.web``) for a change, :func:`reading` for a read that writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from services.common.auth import current_principal
from services.common.unit_of_work import Work
from services.common.unit_of_work import reading as read_only
from services.common.web import work

from ..config import runtime

__all__ = ["reading", "work"]


@contextmanager
def reading() -> Iterator[Work[Any]]:
    """A read-only session and the signed-in member's desk (on SQLite it does not queue
    behind the writers)."""
    with read_only(runtime(), current_principal().username) as here:
        yield here
