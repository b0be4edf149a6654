"""Staff accounts as the sign-in and the production check read them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.staff import password_matches
from ..models import StaffMember


def find_staff(session: Session, username: str) -> StaffMember | None:
    return session.scalar(select(StaffMember).where(StaffMember.username == username))


def staff_with_password(session: Session, password: str) -> list[str]:
    """Usernames whose password is ``password`` (production refuses the demo one)."""
    members = session.scalars(select(StaffMember).where(StaffMember.active.is_(True)))
    return [m.username for m in members if password_matches(m.password_hash, password)]


def list_staff(session: Session) -> list[StaffMember]:
    return list(session.scalars(select(StaffMember).order_by(StaffMember.active.desc(),
                                                             StaffMember.username)))
