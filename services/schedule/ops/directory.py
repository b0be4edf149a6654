"""Departments and experts: created and changed, each change told in the same transaction."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.refusals import Invalid, Refused
from services.common.unit_of_work import Work

from ..domain.codes import next_expert_code
from ..models import Department, Expert, outbox
from ..reads.directory import department_facts, expert_facts, the_department, the_expert


def _code_is_free(session: Session, model: type[Department] | type[Expert], code: str) -> None:
    existing = session.scalar(select(model.id).where(model.code == code))
    if existing is not None:
        raise Refused(message=f"Code {code!r} is already used.", existing={"id": existing})


def create_department(work: Work[Any], *, code: str, name: str, location: str = "") -> int:
    """A new department (its code not yet used); returns its id."""
    session = work.session
    _code_is_free(session, Department, code)
    department = Department(code=code, name=name, location=location, active=True,
                            created_at=work.desk.now)
    session.add(department)
    session.flush()
    outbox.add(session, department_facts(department))
    return department.id


def update_department(work: Work[Any], department_id: int, *, name: str | None = None,
                      location: str | None = None, active: bool | None = None) -> None:
    """Change what is given (None: as it is); ``active=False`` deactivates."""
    session = work.session
    department = the_department(session, department_id)
    for field, value in (("name", name), ("location", location), ("active", active)):
        if value is not None:
            setattr(department, field, value)
    session.flush()
    outbox.add(session, department_facts(department))


def create_expert(work: Work[Any], *, code: str | None, name: str, department_id: int,
                  title: str = "", bio: str = "", specialty: str = "",
                  fee: Decimal = Decimal("0")) -> int:
    """A new expert; without a code, the department's code and its next free number.
    Returns the expert's id."""
    session = work.session
    department = _department_named(session, department_id)
    if code is None:
        taken = set(session.scalars(select(Expert.code).where(
            Expert.code.like(f"{department.code}-%"))))
        code = next_expert_code(department.code, taken)
    _code_is_free(session, Expert, code)
    expert = Expert(code=code, name=name, title=title, department_id=department.id,
                    department=department, specialty=specialty, bio=bio, fee=fee, active=True,
                    created_at=work.desk.now)
    session.add(expert)
    session.flush()
    outbox.add(session, expert_facts(expert))
    return expert.id


def update_expert(work: Work[Any], expert_id: int, *, name: str | None = None,
                  title: str | None = None, department_id: int | None = None,
                  specialty: str | None = None, bio: str | None = None,
                  fee: Decimal | None = None, active: bool | None = None) -> None:
    """Change what is given (None: as it is), moving the expert to another department
    that exists."""
    session = work.session
    expert = the_expert(session, expert_id)
    if department_id is not None:
        _department_named(session, department_id)
    set_expert(session, expert, name=name, title=title, department_id=department_id,
               specialty=specialty, bio=bio, fee=fee, active=active)


def set_expert(session: Session, expert: Expert, **values: object) -> None:
    """Set the values given (None: as it is) and tell the other services."""
    for field, value in values.items():
        if value is not None:
            setattr(expert, field, value)
    session.flush()
    session.refresh(expert, ["department"])
    outbox.add(session, expert_facts(expert))


def _department_named(session: Session, department_id: int) -> Department:
    """The department an expert is put in: one that does not exist is a field at fault."""
    department = session.get(Department, department_id)
    if department is None:
        raise Invalid(message="No such department.", field="department_id")
    return department
