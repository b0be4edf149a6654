"""A consuming service's copy of the hospital's facts, kept from ``schedule.hospital.updated``.

Booking needs the time zone, notify everything a message says; both keep the same
copy the same way, so the table's columns and the handler are defined once here.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from .contracts import on
from .contracts.schedule import HospitalUpdated
from .db import UTCDateTime
from .events import Event
from .inbox import Handler
from .kept import Kept

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


def keep_hospital_copy(model: type[HospitalCopyMixin]) -> Handler:
    """The handler of ``schedule.hospital.updated`` for a service's copy."""

    def keep(session: Session, facts: HospitalUpdated, event: Event) -> None:
        """Keep our copy; an older event never overwrites a newer one."""
        row = session.get(model, 1)
        if row is not None and row.updated_at >= event.occurred_at:
            return
        if row is None:
            row = model(id=1)
            session.add(row)
        for field in dataclasses.fields(facts):
            setattr(row, field.name, getattr(facts, field.name))
        row.updated_at = event.occurred_at
        KEPT.forget_when_committed(session, model.__tablename__)

    return on(HospitalUpdated, keep)


def hospital_zone(session: Session, model: type[HospitalCopyMixin], default: str) -> ZoneInfo:
    """The hospital's time zone as this service last heard it, else ``default``."""
    row = session.get(model, 1)
    return ZoneInfo(row.time_zone if row else default)
