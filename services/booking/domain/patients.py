"""A patient's details as given on the phone: checked and normalised."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers


class InvalidPatient(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class PatientDetails:
    name: str
    phone: str  # E.164
    email: str | None = None
    sms_consent: bool = False
    email_consent: bool = False


def normalise_phone(raw: str, region: str = "CN") -> str:
    """E.164 for a number as people type it (``138 0013 8000``, ``+86 138…``)."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPatient("phone", "This is not a phone number.") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPatient("phone", "This phone number does not exist; check the digits.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_patient(name: str, phone: str, email: str | None, sms_consent: bool,
                  email_consent: bool, region: str = "CN") -> PatientDetails:
    name = " ".join(name.split())
    if not name:
        raise InvalidPatient("name", "The patient's name is needed.")
    email = (email or "").strip() or None
    if email_consent and email is None:
        raise InvalidPatient("email_consent", "Email consent needs an email address.")
    return PatientDetails(name=name, phone=normalise_phone(phone, region), email=email,
                          sms_consent=sms_consent, email_consent=email_consent)
