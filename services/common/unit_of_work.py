"""One unit of work for endpoints, event handlers and timers alike.

``with unit_of_work(rt, by) as work:`` opens one transaction and the desk it works at:
the clock read once, the acting principal, the service's rules and the hospital's facts
and zone. The block commits when it ends and rolls back if it raises; a unique key
refusing the change comes out as the :class:`~services.common.refusals.Refusal` declared
beside that key (``db.refuse_on``), so no caller knows constraint names.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from .desk import Desk
from .hospital import zone_of
from .runtime import Runtime

R = TypeVar("R")


@dataclass(frozen=True)
class Work(Generic[R]):
    """A transaction's session, the desk it works at and the service it runs in."""

    session: Session
    desk: Desk[R]
    rt: Runtime[Any]


def desk_for(rt: Runtime[Any], session: Session, by: str, *, now: datetime | None = None,
             fresh_hospital: bool = False) -> Desk[Any]:
    """The desk of ``by`` in ``session``'s transaction. ``fresh_hospital`` for work whose
    answer tells the hospital's facts (a confirmation's text): read now, never kept."""
    hospital = rt.hospital(session, fresh_hospital) if rt.hospital is not None else None
    return Desk(by=by, now=now or rt.now(), zone=zone_of(hospital, rt.settings.default_time_zone),
                rules=rt.settings.rules, hospital=hospital)


@contextmanager
def unit_of_work(rt: Runtime[Any], by: str, *, now: datetime | None = None,
                 fresh_hospital: bool = False) -> Iterator[Work[Any]]:
    """One transaction and its desk (see the module's docstring)."""
    with rt.db.transaction() as session:
        yield Work(session, desk_for(rt, session, by, now=now, fresh_hospital=fresh_hospital), rt)


@contextmanager
def reading(rt: Runtime[Any], by: str, *, now: datetime | None = None) -> Iterator[Work[Any]]:
    """A read-only session and its desk (on SQLite it does not queue behind writers)."""
    with rt.db.reading() as session:
        yield Work(session, desk_for(rt, session, by, now=now), rt)
