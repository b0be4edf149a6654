"""Staff accounts: created, changed, their passwords set, deactivated.

Every change that should end a member's existing tokens — a new password, other
roles, deactivation — raises their token version and tells the other services
(``schedule.staff.changed``) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.contracts.schedule import StaffChanged
from services.common.refusals import Refused
from services.common.unit_of_work import Work

from ..domain.passwords import hash_password
from ..domain.staff import clean_roles
from ..models import StaffMember, outbox
from ..reads.staff import find_staff, the_member


def create_staff(work: Work[Any], username: str, name: str, roles: Sequence[str],
                 password: str, minimum: int | None = None) -> None:
    """A new account (its username not yet taken); its password at least ``minimum``
    long, the service's own minimum when None."""
    session = work.session
    if find_staff(session, username) is not None:
        raise Refused(message=f"The username {username!r} is taken.")
    cleaned = clean_roles(roles)
    password_hash = hash_password(password, _minimum(work, minimum), _cost(work))
    member = StaffMember(username=username, name=name or username, roles=cleaned,
                         password_hash=password_hash, active=True, token_version=1,
                         created_at=work.desk.now)
    session.add(member)
    session.flush()
    tell(session, member)


class LastAdmin(Refused):
    """A change that would leave no active administrator."""

    def __init__(self) -> None:
        super().__init__("last_admin", "The hospital needs at least one active administrator.")


def change_staff(work: Work[Any], username: str, *, name: str | None = None,
                 roles: Sequence[str] | None = None, password: str | None = None,
                 active: bool | None = None, minimum: int | None = None,
                 keep_an_admin: bool = True) -> bool:
    """Apply the changes given; return whether the member's old tokens were ended. The
    last active administrator stays one, except from the command line (an operator with
    the shell can always make another)."""
    session = work.session
    member = the_member(session, username)
    ends_tokens = False
    could_end_an_admin = active is False or (roles is not None and "admin" not in roles)
    if keep_an_admin and could_end_an_admin:
        _lock_the_admins(session, member)
    was_admin = member.active and "admin" in member.role_list
    if name is not None:
        member.name = name
    if roles is not None and clean_roles(roles) != member.roles:
        member.roles, ends_tokens = clean_roles(roles), True
    if password is not None:
        member.password_hash = hash_password(password, _minimum(work, minimum), _cost(work))
        ends_tokens = True
    if active is not None and active != member.active:
        member.active, ends_tokens = active, True
    if keep_an_admin and was_admin and not (member.active and "admin" in member.role_list):
        _keep_an_admin(session)
    if ends_tokens:
        member.token_version += 1
        tell(session, member)
    return ends_tokens


def _minimum(work: Work[Any], given: int | None) -> int:
    """A password's least length: as given, else production's or development's."""
    return given if given is not None else int(work.rt.settings.min_password_length)


def _cost(work: Work[Any]) -> int:
    """scrypt's cost for a new password hash, as the service's settings say."""
    return int(work.rt.settings.password_hash_cost)


def _lock_the_admins(session: Session, member: StaffMember) -> None:
    """Serialise every change that may take an administrator away: lock the rows of the
    active administrators (in id order, so two changes never wait for each other) and the
    member's own, and read the member again. A parallel change of another administrator
    waits here until this one commits, then sees it — two admins deactivating each other
    at once cannot both succeed. (On SQLite a write transaction is serial anyway.)"""
    session.execute(select(StaffMember.id)
                    .where(StaffMember.active.is_(True), StaffMember.roles.contains("admin"))
                    .order_by(StaffMember.id).with_for_update())
    session.refresh(member, with_for_update=True)


def _keep_an_admin(session: Session) -> None:
    """Nobody could manage staff from the pages once the last active administrator is
    gone. Counted after the admins' rows were locked (:func:`_lock_the_admins`), from the
    rows as committed, not from objects read earlier."""
    session.flush()
    roles = session.scalars(select(StaffMember.roles).where(StaffMember.active.is_(True)))
    if not any("admin" in r.split(",") for r in roles):
        raise LastAdmin()


def tell(session: Session, member: StaffMember) -> None:
    outbox.add(session, StaffChanged(username=member.username,
                                     token_version=member.token_version,
                                     active=member.active))
