"""Phone numbers as people type them, made comparable: E.164, and whether SMS can reach it.

``138 0013 8000``, ``(+86)１３８ 0013 8000`` and ``+8613800138000`` are one number.
Only a mobile number (or one that may be mobile, as US numbers are) takes an SMS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from .refusals import Invalid

MOBILE_TYPES = frozenset({phonenumbers.PhoneNumberType.MOBILE,
                          phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})


class InvalidPhone(Invalid):
    """Not a phone number that exists; answered as 422 naming the ``phone`` field."""

    def __init__(self, message: str, field: str = "phone") -> None:
        super().__init__(message=message, field=field)


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
    digits = national_digits(phone)
    if not digits:
        return ""
    shown_first = min(3, max(0, len(digits) - 8))
    hidden = max(len(digits) - shown_first - 4, 3)
    return digits[:shown_first] + "*" * hidden + digits[-4:]


def national_digits(phone: str) -> str:
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


# --- phone and identity card numbers inside free text -----------------------------------------
#
# Found wherever they stand: after a letter, "_" or "-" (``id_13800138000``), next to Chinese
# text, grouped by spaces, hyphens or dots (``138.0013.8000``). Only another digit ends a
# number, so a longer number (a timestamp in milliseconds) is never taken for a part of one.
# What is not a phone's shape stays readable: ids, counts, durations, Unix times, dates, times
# and appointment codes.

# Typed with a Chinese keyboard, digits and signs may be full-width (１３８－００１３).
_SEP = r"[\s.\-．－]?"
_PLUS = "[+＋]"
_ID_CARD = re.compile(r"(?<!\d)\d{17}[\dXxＸｘ](?!\d)")
#: A mainland mobile, 1[3-9] and nine more digits, with +86, 86 or 0086 before it or not.
_MOBILE = re.compile(
    rf"(?<!\d)(?:(?:{_PLUS}|[0０]{{2}})?[8８][6６]{_SEP})?[1１][3-9３-９]\d(?:{_SEP}\d){{8}}(?!\d)")
#: A mainland landline with its area code: 021-5555 0100, 0755 1234 5678.
_LANDLINE = re.compile(rf"(?<!\d)[0０][1-9１-９]\d{{1,2}}{_SEP}\d{{3,4}}{_SEP}\d{{4}}(?!\d)")
#: Any number written the international way, with "+": +44 7700 900123.
_INTERNATIONAL = re.compile(rf"(?<!\d){_PLUS}\d(?:{_SEP}\d){{6,15}}(?!\d)")


def _digits(text: str) -> str:
    """The digits of ``text`` as ASCII (a full-width ``１３８`` is ``138``)."""
    return "".join(str(int(ch)) for ch in text if ch.isdecimal())


def mask_in_text(text: str, *, for_log: bool = False) -> str:
    """``text`` with every phone and identity card number in it masked.

    As lists show them (``138****8000``, ``1101**********002X``), for free text that staff
    read (a complaint in a list); ``for_log`` keeps only the last four characters
    (``*******8000``), least data for a log line.
    """

    def id_card(match: re.Match[str]) -> str:
        last = match.group(0)[17]
        value = _digits(match.group(0)[:17]) + (_digits(last) or "X")
        return "*" * 14 + value[-4:] if for_log else value[:4] + "*" * 10 + value[-4:]

    def phone(national: str, number: str) -> str:
        if for_log:
            return "*" * max(len(national) - 4, 3) + national[-4:]
        return mask_phone(number)

    def mobile(match: re.Match[str]) -> str:
        national = _digits(match.group(0))[-11:]  # without 86
        return phone(national, national)

    def landline(match: re.Match[str]) -> str:
        return phone(_digits(match.group(0)), _digits(match.group(0)))

    def international(match: re.Match[str]) -> str:
        return phone(_digits(match.group(0)), "+" + _digits(match.group(0)))

    text = _ID_CARD.sub(id_card, text)
    text = _MOBILE.sub(mobile, text)
    text = _LANDLINE.sub(landline, text)
    return _INTERNATIONAL.sub(international, text)
