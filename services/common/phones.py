"""Phone numbers as people type them, made comparable: E.164, and whether SMS can reach it.

``138 0013 8000``, ``(+86)１３８ 0013 8000`` and ``+8613800138000`` are one number.
Only a mobile number (or one that may be mobile, as US numbers are) takes an SMS.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

MOBILE_TYPES = frozenset({phonenumbers.PhoneNumberType.MOBILE,
                          phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})


class InvalidPhone(ValueError):
    pass


@dataclass(frozen=True)
class Phone:
    e164: str
    mobile: bool


def normalise(raw: str, region: str = "CN") -> Phone:
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone("This is not a phone number.") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("This phone number does not exist; check the digits.")
    return Phone(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
                 phonenumbers.number_type(number) in MOBILE_TYPES)


def mask_phone(phone: str | None) -> str:
    """A phone as lists show it: the first three and the last four digits of the national
    number, ``+8613800138001`` → ``138****8001``, so two patients' numbers can be told
    apart while four or more digits stay hidden.

    The country code is left out (every number of a country starts with it). At most 7
    digits are shown and at least 4 hidden: a landline's 10 digits show 2 and 4
    (``+862155550100`` → ``21****0100``, its area code); a number of fewer than 8
    digits shows only its last four (``***5678``).
    """
    if not phone:
        return ""
    digits = _national_digits(phone)
    if not digits:
        return ""
    shown_first = min(3, max(0, len(digits) - 8))
    hidden = max(len(digits) - shown_first - 4, 3)
    return digits[:shown_first] + "*" * hidden + digits[-4:]


def _national_digits(phone: str) -> str:
    """The digits a person dials at home: without ``+86`` for an E.164 number."""
    if phone.strip().startswith("+"):
        try:
            return phonenumbers.national_significant_number(phonenumbers.parse(phone))
        except phonenumbers.NumberParseException:
            pass
    return "".join(ch for ch in phone if ch.isdigit() and ch.isascii())


def is_mobile(e164: str) -> bool:
    try:
        return phonenumbers.number_type(phonenumbers.parse(e164)) in MOBILE_TYPES
    except phonenumbers.NumberParseException:
        return False


def language_for(e164: str, home_region: str, home_language: str) -> str:
    """The language to tell a patient in: the hospital's own for a phone of its country,
    English for a phone from abroad (a +44 number gets English, not Chinese)."""
    try:
        country = phonenumbers.parse(e164).country_code
    except phonenumbers.NumberParseException:
        return home_language
    if country == phonenumbers.country_code_for_region(home_region):
        return home_language
    return "en"
