"""Departments and experts: created and changed, each change told in the same transaction."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.codes import next_expert_code
from ..models import Department, Expert, outbox
from ..reads.directory import department_facts, expert_facts


class DuplicateCode(Exception):
    def __init__(self, existing_id: int) -> None:
        super().__init__(existing_id)
        self.existing_id = existing_id


def create_department(session: Session, now: datetime, *, code: str, name: str,
                      location: str = "") -> Department:
    existing = session.scalar(select(Department.id).where(Department.code == code))
    if existing is not None:
        raise DuplicateCode(existing)
    department = Department(code=code, name=name, location=location, active=True,
                            created_at=now)
    session.add(department)
    session.flush()
    outbox.add(session, department_facts(department))
    return department


def update_department(session: Session, department: Department, changes: dict[str, Any]) -> None:
    for name in ("name", "location", "active"):
        if name in changes:
            setattr(department, name, changes[name])
    session.flush()
    outbox.add(session, department_facts(department))


def create_expert(session: Session, now: datetime, *, code: str | None, name: str,
                  department: Department, title: str = "", bio: str = "",
                  specialty: str = "", fee: Decimal = Decimal("0")) -> Expert:
    """A new expert; without a code, the department's code and its next free number."""
    if code is None:
        taken = set(session.scalars(select(Expert.code).where(
            Expert.code.like(f"{department.code}-%"))))
        code = next_expert_code(department.code, taken)
    existing = session.scalar(select(Expert.id).where(Expert.code == code))
    if existing is not None:
        raise DuplicateCode(existing)
    expert = Expert(code=code, name=name, title=title, department_id=department.id,
                    department=department, specialty=specialty, bio=bio, fee=fee, active=True,
                    created_at=now)
    session.add(expert)
    session.flush()
    outbox.add(session, expert_facts(expert))
    return expert


def update_expert(session: Session, expert: Expert, changes: dict[str, Any]) -> None:
    for name in ("name", "title", "specialty", "bio", "fee", "active", "department_id"):
        if name in changes:
            setattr(expert, name, changes[name])
    session.flush()
    session.refresh(expert, ["department"])
    outbox.add(session, expert_facts(expert))
