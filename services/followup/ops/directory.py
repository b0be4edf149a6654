"""Followup's copy of the departments' names, from schedule's events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from services.common.contracts.schedule import DepartmentUpdated, ExpertUpdated
from services.common.db import copy_to_update

from ..models import Department, Expert


def remember_department(session: Session, facts: DepartmentUpdated, at: datetime) -> None:
    row = copy_to_update(session, Department, facts.id, at)
    if row is None:
        return
    row.name, row.active, row.facts_at = facts.name, facts.active, at


def remember_expert(session: Session, facts: ExpertUpdated, at: datetime) -> None:
    """An expert's name, title and department, for complaints to name from a list."""
    row = copy_to_update(session, Expert, facts.id, at)
    if row is None:
        return
    row.name, row.title, row.department_id = facts.name, facts.title, facts.department_id
    row.active, row.facts_at = facts.active, at
