"""Departments as followup last heard of them, for the enquiry form."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Department, Expert


def active_departments(session: Session) -> list[tuple[int, str]]:
    return [(d.id, d.name) for d in session.scalars(
        select(Department).where(Department.active.is_(True)).order_by(Department.id))]


def experts_by_department(session: Session) -> dict[int, int]:
    """Each active expert's department, by the expert's id."""
    return dict(session.execute(select(Expert.id, Expert.department_id)
                                .where(Expert.active.is_(True))).all())


def directory(session: Session) -> list[dict[str, object]]:
    """Departments with their active experts, for a complaint's "about whom"."""
    experts: dict[int, list[dict[str, object]]] = {}
    for e in session.scalars(select(Expert).where(Expert.active.is_(True))
                             .order_by(Expert.id)):
        experts.setdefault(e.department_id, []).append(
            {"id": e.id, "name": f"{e.name} {e.title}".strip()})
    return [{"id": d_id, "name": name, "experts": experts.get(d_id, [])}
            for d_id, name in active_departments(session)]


def names(session: Session) -> tuple[dict[int, str], dict[int, str]]:
    """Every department's and expert's name (the inactive too: old complaints name them)."""
    departments = dict(session.execute(select(Department.id, Department.name)).all())
    experts = {e.id: f"{e.name} {e.title}".strip() for e in session.scalars(select(Expert))}
    return departments, experts
