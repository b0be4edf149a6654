"""Staff accounts as the admin page, the sign-in and the production check read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.refusals import NotFound

from ..domain.passwords import password_matches
from ..models import StaffMember


@dataclass(frozen=True)
class StaffView:
    username: str
    name: str
    roles: list[str]
    active: bool
    created_at: datetime
    #: Tokens issued with a lower version are refused (not shown on the admin page).
    token_version: int


def staff_view(member: StaffMember) -> StaffView:
    return StaffView(username=member.username, name=member.name, roles=list(member.role_list),
                     active=member.active, created_at=member.created_at,
                     token_version=member.token_version)


def find_staff(session: Session, username: str) -> StaffMember | None:
    return session.scalar(select(StaffMember).where(StaffMember.username == username))


def the_member(session: Session, username: str) -> StaffMember:
    """The account, or :class:`NotFound`."""
    member = find_staff(session, username)
    if member is None:
        raise NotFound("staff member")
    return member


def staff_member(session: Session, username: str) -> StaffView:
    return staff_view(the_member(session, username))


def staff_with_password(session: Session, password: str) -> list[str]:
    """Usernames whose password is ``password`` (production refuses the demo one)."""
    members = session.scalars(select(StaffMember).where(StaffMember.active.is_(True)))
    return [m.username for m in members if password_matches(m.password_hash, password)]


def list_staff(session: Session) -> list[StaffView]:
    return [staff_view(m) for m in session.scalars(
        select(StaffMember).order_by(StaffMember.active.desc(), StaffMember.username))]
