"""Departments and experts, as the API shows them and as the other services are told."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.common.contracts.schedule import DepartmentUpdated, ExpertUpdated
from services.common.refusals import NotFound

from ..models import Department, Expert


@dataclass(frozen=True)
class DepartmentView:
    id: int
    code: str
    name: str
    location: str
    active: bool


@dataclass(frozen=True)
class ExpertView:
    id: int
    code: str
    name: str
    title: str
    department_id: int
    department_name: str
    specialty: str
    bio: str
    fee: Decimal
    active: bool


def department_facts(department: Department) -> DepartmentUpdated:
    return DepartmentUpdated(id=department.id, code=department.code, name=department.name,
                             location=department.location, active=department.active)


def expert_facts(expert: Expert) -> ExpertUpdated:
    return ExpertUpdated(id=expert.id, code=expert.code, name=expert.name, title=expert.title,
                         department_id=expert.department_id, fee=f"{expert.fee:.2f}",
                         active=expert.active, specialty=expert.specialty, bio=expert.bio)


def department_view(department: Department) -> DepartmentView:
    return DepartmentView(id=department.id, code=department.code, name=department.name,
                          location=department.location, active=department.active)


def expert_view(expert: Expert) -> ExpertView:
    return ExpertView(id=expert.id, code=expert.code, name=expert.name, title=expert.title,
                      department_id=expert.department_id,
                      department_name=expert.department.name, specialty=expert.specialty,
                      bio=expert.bio, fee=expert.fee, active=expert.active)


def the_department(session: Session, department_id: int) -> Department:
    """The department, or :class:`NotFound`."""
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound("department")
    return department


def the_expert(session: Session, expert_id: int) -> Expert:
    """The expert, or :class:`NotFound`."""
    expert = session.get(Expert, expert_id)
    if expert is None:
        raise NotFound("expert")
    return expert


def department(session: Session, department_id: int) -> DepartmentView:
    return department_view(the_department(session, department_id))


def expert(session: Session, expert_id: int) -> ExpertView:
    return expert_view(the_expert(session, expert_id))


def list_departments(session: Session, *, active: bool | None = None,
                     q: str | None = None) -> list[DepartmentView]:
    query = select(Department).order_by(Department.code)
    if active is not None:
        query = query.where(Department.active.is_(active))
    if q:
        like = f"%{q}%"
        query = query.where(or_(Department.name.ilike(like), Department.code.ilike(like)))
    return [department_view(d) for d in session.scalars(query)]


def list_experts(session: Session, *, department_id: int | None = None,
                 active: bool | None = None, q: str | None = None) -> list[ExpertView]:
    query = select(Expert).order_by(Expert.department_id, Expert.code)
    if department_id is not None:
        query = query.where(Expert.department_id == department_id)
    if active is not None:
        query = query.where(Expert.active.is_(active))
    if q:
        like = f"%{q}%"
        query = query.where(or_(Expert.name.ilike(like), Expert.code.ilike(like),
                                Expert.title.ilike(like)))
    return [expert_view(e) for e in session.scalars(query)]
