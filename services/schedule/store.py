"""Schedule's persistence: reads and writes inside the caller's transaction.

Every change that other services must learn of adds its event to the outbox
here, in the same transaction, so the two can never disagree.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.db import utcnow

from .domain.hospital import HospitalFacts
from .domain.staff import clean_roles, hash_password, password_matches
from .models import Hospital, StaffMember, outbox

HOSPITAL_UPDATED = "schedule.hospital.updated"


def get_hospital(session: Session) -> Hospital | None:
    return session.get(Hospital, 1)


def hospital_facts(row: Hospital) -> HospitalFacts:
    return HospitalFacts(name=row.name, address=row.address, directions=row.directions,
                         phone=row.phone, time_zone=row.time_zone, language=row.language)


def save_hospital(session: Session, facts: HospitalFacts) -> Hospital:
    """Create or replace the hospital's facts and tell the other services."""
    facts.validate()
    row = session.get(Hospital, 1, with_for_update=True)
    if row is None:
        row = Hospital(id=1)
        session.add(row)
    for name, value in facts.as_event_data().items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    outbox.add(session, HOSPITAL_UPDATED, facts.as_event_data())
    return row


def find_staff(session: Session, username: str) -> StaffMember | None:
    return session.scalar(select(StaffMember).where(StaffMember.username == username))


def create_staff(session: Session, username: str, name: str, roles: list[str] | tuple[str, ...],
                 password: str) -> StaffMember:
    member = StaffMember(username=username, name=name or username, roles=clean_roles(roles),
                         password_hash=hash_password(password), active=True,
                         created_at=utcnow())
    session.add(member)
    session.flush()
    return member


def set_password(member: StaffMember, password: str) -> None:
    member.password_hash = hash_password(password)


def staff_with_password(session: Session, password: str) -> list[str]:
    """Usernames whose password is ``password`` (production refuses the demo one)."""
    members = session.scalars(select(StaffMember).where(StaffMember.active.is_(True)))
    return [m.username for m in members if password_matches(m.password_hash, password)]
