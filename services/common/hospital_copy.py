"""The hospital's facts in each service's own table, read and kept the same way everywhere.

Schedule owns the facts; booking, notify and followup keep a copy from
``schedule.hospital.updated``. All four tables have these columns, and every service
reads its row through :func:`hospital_reader` (kept a few seconds, forgotten when this
process commits a change), so the facts and the zone are worked out in one place.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, Select, String, Table, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .contracts.schedule import HospitalUpdated
from .db import UTCDateTime, table_of
from .events import Event
from .hospital import Hospital
from .kept import Kept

if TYPE_CHECKING:
    from .event_handlers import WorkHandler
    from .unit_of_work import Work

#: A service's reading of its copy, kept for a few seconds: every request's desk needs
#: the hospital, whose facts change a few times a year. Forgotten when the copy changes.
KEPT: Kept[Any] = Kept(seconds=5.0)


class HospitalCopyMixin:
    """Columns of the ``hospital`` table (one row, id 1)."""

    if TYPE_CHECKING:  # declarative models take their columns as keywords
        def __init__(self, **columns: Any) -> None: ...

    __tablename__ = "hospital"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(400), default="")
    directions: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    time_zone: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(10), default="zh-CN")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


def keep_hospital_copy(model: type[HospitalCopyMixin]) -> WorkHandler:
    """The handler of ``schedule.hospital.updated`` for a service's copy."""

    def keep(work: Work[Any], facts: HospitalUpdated, event: Event) -> None:
        """Keep our copy; an older event never overwrites a newer one."""
        session = work.session
        row = session.get(model, 1)
        if row is not None and row.updated_at >= event.occurred_at:
            return
        if row is None:
            row = model(id=1)
            session.add(row)
        for field in dataclasses.fields(facts):
            setattr(row, field.name, getattr(facts, field.name))
        row.updated_at = event.occurred_at
        forget_kept_hospital(session, model)

    return keep


def hospital_reader(model: type[HospitalCopyMixin]) -> Callable[[Session, bool], Hospital | None]:
    """How a service reads its hospital row as the domain's value, for ``Runtime.hospital``.

    Kept for a few seconds per database unless ``fresh``: another process's change (the
    worker's handler) is seen within those seconds, and a text the patient is given now
    must say what their SMS says, so it reads the row itself."""

    def read(session: Session, fresh: bool = False) -> Hospital | None:
        if fresh:
            return _read(session, model)
        kept: Hospital | None = KEPT.get(session.get_bind().engine.url, model.__tablename__,
                                         lambda: _read(session, model))
        return kept

    return read


def _read(session: Session, model: type[HospitalCopyMixin]) -> Hospital | None:
    row = session.execute(_facts_of(table_of(model))).first()
    if row is None:
        return None
    return Hospital(name=row.name, address=row.address, directions=row.directions,
                    phone=row.phone, time_zone=row.time_zone, language=row.language)


@cache
def _facts_of(table: Table) -> Select[Any]:
    """The row's facts as plain columns, the query built once: a booking reads them fresh
    (its answer says them), and an ORM load of the row cost more than the read."""
    return select(table.c.name, table.c.address, table.c.directions, table.c.phone,
                  table.c.time_zone, table.c.language).where(table.c.id == 1)


def forget_kept_hospital(session: Session, model: type[HospitalCopyMixin]) -> None:
    """After a change to the row commits, this process reads it afresh."""
    KEPT.forget_when_committed(session, model.__tablename__)
