"""Departments and experts: reads and writes inside the caller's transaction.

A change others must know of (names, titles, fees, who is active) goes out as
an event in the same transaction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.common.db import utcnow

from .models import Department, Expert, outbox

DEPARTMENT_UPDATED = "schedule.department.updated"
EXPERT_UPDATED = "schedule.expert.updated"


class DuplicateCode(Exception):
    def __init__(self, existing_id: int) -> None:
        super().__init__(existing_id)
        self.existing_id = existing_id


def department_facts(department: Department) -> dict[str, Any]:
    return {"id": department.id, "code": department.code, "name": department.name,
            "location": department.location, "active": department.active}


def expert_facts(expert: Expert) -> dict[str, Any]:
    return {"id": expert.id, "code": expert.code, "name": expert.name, "title": expert.title,
            "department_id": expert.department_id, "fee": f"{expert.fee:.2f}",
            "active": expert.active}


def list_departments(session: Session, *, active: bool | None = None,
                     q: str | None = None) -> list[Department]:
    query = select(Department).order_by(Department.code)
    if active is not None:
        query = query.where(Department.active.is_(active))
    if q:
        like = f"%{q}%"
        query = query.where(or_(Department.name.ilike(like), Department.code.ilike(like)))
    return list(session.scalars(query))


def create_department(session: Session, *, code: str, name: str, location: str = "") -> Department:
    existing = session.scalar(select(Department.id).where(Department.code == code))
    if existing is not None:
        raise DuplicateCode(existing)
    department = Department(code=code, name=name, location=location, active=True,
                            created_at=utcnow())
    session.add(department)
    session.flush()
    outbox.add(session, DEPARTMENT_UPDATED, department_facts(department))
    return department


def update_department(session: Session, department: Department, changes: dict[str, Any]) -> None:
    for name in ("name", "location", "active"):
        if name in changes:
            setattr(department, name, changes[name])
    session.flush()
    outbox.add(session, DEPARTMENT_UPDATED, department_facts(department))


def list_experts(session: Session, *, department_id: int | None = None,
                 active: bool | None = None, q: str | None = None) -> list[Expert]:
    query = select(Expert).order_by(Expert.department_id, Expert.code)
    if department_id is not None:
        query = query.where(Expert.department_id == department_id)
    if active is not None:
        query = query.where(Expert.active.is_(active))
    if q:
        like = f"%{q}%"
        query = query.where(or_(Expert.name.ilike(like), Expert.code.ilike(like),
                                Expert.title.ilike(like)))
    return list(session.scalars(query))


def create_expert(session: Session, *, code: str, name: str, department: Department,
                  title: str = "", bio: str = "", fee: Decimal = Decimal("0")) -> Expert:
    existing = session.scalar(select(Expert.id).where(Expert.code == code))
    if existing is not None:
        raise DuplicateCode(existing)
    expert = Expert(code=code, name=name, title=title, department_id=department.id,
                    department=department, bio=bio, fee=fee, active=True, created_at=utcnow())
    session.add(expert)
    session.flush()
    outbox.add(session, EXPERT_UPDATED, expert_facts(expert))
    return expert


def update_expert(session: Session, expert: Expert, changes: dict[str, Any]) -> None:
    for name in ("name", "title", "bio", "fee", "active", "department_id"):
        if name in changes:
            setattr(expert, name, changes[name])
    session.flush()
    session.refresh(expert, ["department"])
    outbox.add(session, EXPERT_UPDATED, expert_facts(expert))
