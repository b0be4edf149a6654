"""Who may see what of a patient (SPEC §8), and the actions the access log records.

Searching by phone (SPEC §11): the staff who may see full contact (consultant, front
desk) find a patient by the whole number (normalised, then compared for equality) or
by exactly its last four digits, never by another fragment: a fragment search answered
digit by digit rebuilds a number. Managers and admins, who never see full contact,
cannot search by phone at all. Every search by phone is logged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from .patients import InvalidPatient, normalise_phone
from .rules import Forbidden, Invalid


class Access(StrEnum):
    """What a member of staff did with a patient's data (one access-log row each)."""

    VIEW_PATIENT = "view_patient"
    VIEW_APPOINTMENT = "view_appointment"
    BOOK = "book"
    CREATE_PATIENT = "create_patient"
    UPDATE_PATIENT = "update_patient"
    EXPORT = "export"
    ERASE = "erase"
    SEARCH_PHONE = "search_phone"
    FHIR = "fhir"  # a patient's contact or an appointment's complaint read through /fhir


#: The roles that may see a patient's full phone, email and complaint; every such read
#: is logged. Managers never see them; admins see them masked.
CONTACT_ROLES = frozenset({"consultant", "frontdesk"})


def sees_contact(roles: tuple[str, ...]) -> bool:
    return bool(CONTACT_ROLES & set(roles))


ERASED_NAME = "（已删除）"

#: The access log's ``patient_id`` of a phone search that found nobody (the column names a
#: patient and is never empty; no patient has id 0). The attempt is logged all the same:
#: a run of them is what a rebuild by guessing looks like.
NOBODY = 0

_SEPARATORS = re.compile(r"[\s\-()+.]")


@dataclass(frozen=True)
class PhoneSearch:
    """A search by one whole number (E.164) or by exactly the last four digits."""

    full: str | None = None
    last_four: str | None = None

    @property
    def detail(self) -> str:
        return "full number" if self.full else "last four"

    def matches(self, phone: str | None) -> bool:
        if not phone:
            return False
        if self.full:
            return phone == self.full
        return bool(self.last_four) and phone.endswith(self.last_four or "")


def compact_digits(text: str) -> str:
    """What was typed without spaces, dashes, brackets, dots and ``+`` (full-width folded)."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))


def phone_search(text: str, roles: tuple[str, ...], region: str) -> PhoneSearch:
    """``phone=`` as given: refused for roles without full contact, and for a fragment."""
    if not sees_contact(roles):
        raise Forbidden("phone_search_not_allowed", "Your role cannot search by phone; "
                        "find the patient by name, appointment code or id.")
    found = _as_phone(text, region)
    if found is None:
        raise Invalid("phone_fragment", "Give the whole phone number or exactly its last "
                      "four digits.")
    return found


def phone_in_text(q: str, roles: tuple[str, ...], region: str) -> PhoneSearch | None:
    """The phone a free-text search means, if any: digits only (a whole number in any
    spelling, or exactly four digits) and only for roles that see full contact. Other
    digits match no phone, for anyone."""
    if not sees_contact(roles):
        return None
    compact = compact_digits(q)
    if len(compact) < 4 or not compact.isdigit():
        return None
    return _as_phone(q, region)


def _as_phone(text: str, region: str) -> PhoneSearch | None:
    compact = compact_digits(text)
    if len(compact) == 4 and compact.isdigit() and compact.isascii():
        return PhoneSearch(last_four=compact)
    try:
        return PhoneSearch(full=normalise_phone(text, region).e164)
    except InvalidPatient:
        return None
