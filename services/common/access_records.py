"""The shape of an access log (SPEC §8 and §11), for the services that keep one.

Who (``staff``), when (``at``), which patient (``patient_id``) and what (``action``,
with a short ``detail`` that never holds a patient's values). Append-only: no code
changes a row, and the migration that makes the table adds triggers refusing
``UPDATE`` and ``DELETE`` (and ``TRUNCATE`` on PostgreSQL) in the database itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import UTCDateTime


class AccessRecordMixin:
    """Columns of an ``access_log`` table; each service maps it on its own ``Base``."""

    if TYPE_CHECKING:  # declarative models take their columns as keywords
        def __init__(self, **columns: Any) -> None: ...

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    staff: Mapped[str] = mapped_column(String(60), index=True)
    patient_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(String(200), default="")


def access_rows(session: Session, model: type[Any], *,
                patient_id: int | None = None, staff: str | None = None,
                after: datetime | None = None, before: datetime | None = None,
                limit: int = 1000,
                describe: Callable[[Any], str] | None = None) -> list[dict[str, Any]]:
    """The log newest first, filtered by patient, member of staff and time. ``model`` has
    the mixin's columns (booking's older table keeps its own declaration); ``describe``
    gives a row's detail where the service words it from columns of its own."""
    statement = select(model).order_by(model.id.desc()).limit(limit)
    if patient_id is not None:
        statement = statement.where(model.patient_id == patient_id)
    if staff:
        statement = statement.where(model.staff == staff)
    if after is not None:
        statement = statement.where(model.at >= after)
    if before is not None:
        statement = statement.where(model.at < before)
    return [{"id": r.id, "at": r.at, "staff": r.staff, "patient_id": r.patient_id,
             "action": r.action, "detail": describe(r) if describe else r.detail}
            for r in session.scalars(statement)]
