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
