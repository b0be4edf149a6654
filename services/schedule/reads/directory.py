"""Departments and experts, and the facts about them the other services are told."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.common.contracts.schedule import DepartmentUpdated, ExpertUpdated

from ..models import Department, Expert


def department_facts(department: Department) -> DepartmentUpdated:
    return DepartmentUpdated(id=department.id, code=department.code, name=department.name,
                             location=department.location, active=department.active)


def expert_facts(expert: Expert) -> ExpertUpdated:
    return ExpertUpdated(id=expert.id, code=expert.code, name=expert.name, title=expert.title,
                         department_id=expert.department_id, fee=f"{expert.fee:.2f}",
                         active=expert.active, specialty=expert.specialty, bio=expert.bio)


def get_department(session: Session, department_id: int) -> Department | None:
    return session.get(Department, department_id)


def get_expert(session: Session, expert_id: int) -> Expert | None:
    return session.get(Expert, expert_id)


def list_departments(session: Session, *, active: bool | None = None,
                     q: str | None = None) -> list[Department]:
    query = select(Department).order_by(Department.code)
    if active is not None:
        query = query.where(Department.active.is_(active))
    if q:
        like = f"%{q}%"
        query = query.where(or_(Department.name.ilike(like), Department.code.ilike(like)))
    return list(session.scalars(query))


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
