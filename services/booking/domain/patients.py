"""Who a patient is, and what a booking told us of them: checked and normalised (SPEC §8).

A phone number does not identify a patient: a family shares one. The same phone
**and** the same name (trimmed, full-width folded, case-folded) is the same
patient; any other name on that phone is another patient sharing it. A field a
booking leaves out never erases what is stored.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from services.common import phones
from services.common.phones import Phone
from services.common.refusals import Invalid

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
#: 17 ASCII digits and a check character, once full-width forms are folded: ``str.isdigit``
#: also says yes to Arabic-Indic (٣) or Ethiopic (፩) digits, which no card carries.
ID_FORM = re.compile(r"[0-9]{17}[0-9X]")
#: The earliest date of birth anyone is recorded with (the ``birth_date`` field's bound).
FIRST_BIRTH_DAY = date(1900, 1, 1)


class InvalidPatient(Invalid):
    """A patient's field that can never be accepted as sent: answered as the request's
    field ``patient.<field>`` (422, the field's error nested under ``patient``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message=message, field=f"patient.{field}")


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PatientDetails:
    """What one booking told of a patient; ``None`` means "not told", never "erase"."""

    name: str | None = None
    phone: str | None = None  # E.164
    email: str | None = None
    sms_consent: bool | None = None
    email_consent: bool | None = None
    satisfaction_consent: bool | None = None
    id_number: str | None = None
    birth_date: date | None = None
    sex: Sex | None = None
    guardian_name: str | None = None

    def told(self) -> dict[str, Any]:
        """The fields given, to lay over a stored record."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if getattr(self, f.name) is not None}


@dataclass(frozen=True)
class PatientRequest:
    """``{"id": N}`` (an existing patient, maybe with fields to update) or the fields of one."""

    details: PatientDetails
    id: int | None = None


def clean_name(name: str, field: str = "name") -> str:
    cleaned = " ".join(unicodedata.normalize("NFKC", name).split())
    if not cleaned:
        raise InvalidPatient(field, "The patient's name is needed.")
    return cleaned


def normalise_phone(raw: str, region: str = "CN") -> Phone:
    """E.164 for a number as people type it (``138 0013 8000``, ``(+86)１３８…``)."""
    try:
        return phones.normalise(raw, region)
    except phones.InvalidPhone as exc:
        raise InvalidPatient("phone", str(exc)) from exc


@dataclass(frozen=True)
class IdNumber:
    """A resident identity card number (GB 11643): 18 characters, the last a checksum."""

    value: str

    @property
    def birth_date(self) -> date:
        return date(int(self.value[6:10]), int(self.value[10:12]), int(self.value[12:14]))

    @property
    def sex(self) -> Sex:
        return Sex.MALE if int(self.value[16]) % 2 else Sex.FEMALE


def check_id_number(raw: str) -> IdNumber:
    value = unicodedata.normalize("NFKC", raw).strip().upper()
    if not ID_FORM.fullmatch(value):
        raise InvalidPatient("id_number", "An identity card number has 17 digits and a check "
                             "character (a digit or X).")
    total = sum(int(digit) * weight for digit, weight in zip(value, ID_WEIGHTS, strict=False))
    if ID_CHECK[total % 11] != value[17]:
        raise InvalidPatient("id_number", "The identity card number's check character is "
                             "wrong; check the digits.")
    number = IdNumber(value)
    try:
        born = number.birth_date
    except ValueError as exc:
        raise InvalidPatient("id_number", "The identity card number holds no real date of "
                             "birth.") from exc
    if born < FIRST_BIRTH_DAY:
        raise InvalidPatient("id_number", "The identity card number holds no real date of "
                             "birth.")
    return number


def mask_id_number(value: str | None) -> str | None:
    """The first four and last four characters: ``1101**********003X``."""
    if not value:
        return None
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def clean_patient(raw: dict[str, Any], region: str = "CN") -> PatientRequest:
    """The patient of a request body, every given field checked and normalised."""
    details: dict[str, Any] = {}
    if raw.get("name") is not None:
        details["name"] = clean_name(raw["name"])
    if raw.get("phone") is not None:
        details["phone"] = normalise_phone(raw["phone"], region).e164
    if "email" in raw:
        details["email"] = (raw["email"] or "").strip() or None
    for flag in ("sms_consent", "email_consent", "satisfaction_consent"):
        if raw.get(flag) is not None:
            details[flag] = bool(raw[flag])
    if raw.get("guardian_name"):
        details["guardian_name"] = clean_name(raw["guardian_name"], "guardian_name")
    if raw.get("sex") is not None:
        details["sex"] = Sex(raw["sex"])
    if raw.get("birth_date") is not None:
        details["birth_date"] = raw["birth_date"]
    if raw.get("id_number"):
        number = check_id_number(raw["id_number"])
        details["id_number"] = number.value
        _agree(details, "birth_date", number.birth_date,
               "The date of birth differs from the identity card's.")
        _agree(details, "sex", number.sex, "The sex differs from the identity card's.")
    patient_id = raw.get("id")
    if patient_id is None and ("name" not in details or "phone" not in details):
        missing = "name" if "name" not in details else "phone"
        raise InvalidPatient(missing, "A new patient needs a name and a phone number; a "
                             "returning one is given by id.")
    return PatientRequest(PatientDetails(**details), patient_id)


def _agree(details: dict[str, Any], field: str, derived: Any, message: str) -> None:
    given = details.get(field)
    if given is not None and given != derived and given != Sex.UNKNOWN:
        raise InvalidPatient(field, message)
    if given is None or given == Sex.UNKNOWN:
        details[field] = derived
