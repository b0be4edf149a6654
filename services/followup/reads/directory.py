"""Departments as followup last heard of them, for the enquiry form."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Department


def active_departments(session: Session) -> list[tuple[int, str]]:
    return [(d.id, d.name) for d in session.scalars(
        select(Department).where(Department.active.is_(True)).order_by(Department.id))]
