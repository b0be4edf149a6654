"""Staff accounts: created, changed, their passwords set, deactivated.

Every change that should end a member's existing tokens — a new password, other
roles, deactivation — raises their token version and tells the other services
(``schedule.staff.changed``) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.contracts.schedule import StaffChanged

from ..domain.staff import InvalidStaff, clean_roles, hash_password
from ..models import StaffMember, outbox


def create_staff(session: Session, username: str, name: str, roles: Sequence[str],
                 password: str, now: datetime, minimum: int = 4) -> StaffMember:
    member = StaffMember(username=username, name=name or username, roles=clean_roles(roles),
                         password_hash=hash_password(password, minimum), active=True,
                         token_version=1, created_at=now)
    session.add(member)
    session.flush()
    _tell(session, member)
    return member


class LastAdmin(InvalidStaff):
    """A change that would leave no active administrator."""


def change_staff(session: Session, member: StaffMember, *, name: str | None = None,
                 roles: Sequence[str] | None = None, password: str | None = None,
                 active: bool | None = None, minimum: int = 4,
                 keep_an_admin: bool = True) -> bool:
    """Apply the changes given; return whether the member's old tokens were ended. The
    last active administrator stays one, except from the command line (an operator with
    the shell can always make another)."""
    ends_tokens = False
    was_admin = member.active and "admin" in member.role_list
    if name is not None:
        member.name = name
    if roles is not None and clean_roles(roles) != member.roles:
        member.roles, ends_tokens = clean_roles(roles), True
    if password is not None:
        member.password_hash, ends_tokens = hash_password(password, minimum), True
    if active is not None and active != member.active:
        member.active, ends_tokens = active, True
    if keep_an_admin and was_admin and not (member.active and "admin" in member.role_list):
        _keep_an_admin(session)
    if ends_tokens:
        member.token_version += 1
        _tell(session, member)
    return ends_tokens


def _keep_an_admin(session: Session) -> None:
    """Nobody could manage staff from the pages once the last active administrator is
    gone."""
    session.flush()
    admins = [m for m in session.scalars(select(StaffMember).where(StaffMember.active.is_(True)))
              if "admin" in m.role_list]
    if not admins:
        raise LastAdmin("The hospital needs at least one active administrator.")


def _tell(session: Session, member: StaffMember) -> None:
    outbox.add(session, StaffChanged(username=member.username,
                                     token_version=member.token_version,
                                     active=member.active))
