"""Who may see what of a patient (SPEC §8), and the actions the access log records."""

from __future__ import annotations

from enum import StrEnum


class Access(StrEnum):
    """What a member of staff did with a patient's data (one access-log row each)."""

    VIEW_PATIENT = "view_patient"
    VIEW_APPOINTMENT = "view_appointment"
    BOOK = "book"
    CREATE_PATIENT = "create_patient"
    UPDATE_PATIENT = "update_patient"
    EXPORT = "export"
    ERASE = "erase"


#: The roles that may see a patient's full phone, email and complaint; every such read
#: is logged. Managers never see them; admins see them masked.
CONTACT_ROLES = frozenset({"consultant", "frontdesk"})


def sees_contact(roles: tuple[str, ...]) -> bool:
    return bool(CONTACT_ROLES & set(roles))


ERASED_NAME = "（已删除）"
