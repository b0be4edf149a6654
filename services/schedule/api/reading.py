"""This request's read-only unit of work: the reading twin of ``services.common.web.work``.

(Common's web module has ``work()`` only; a ``reading()`` beside it would serve every
service's GETs — until then schedule keeps this one.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from services.common.auth import current_principal
from services.common.unit_of_work import Work, reading

from ..config import runtime


@contextmanager
def reading_work() -> Iterator[Work[Any]]:
    """A read-only session at the signed-in member's desk (no queueing behind writers)."""
    with reading(runtime(), current_principal().username) as here:
        yield here
