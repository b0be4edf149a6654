"""What a booking's patient details become, as plain Python: no Flask, no database.

Written for the mutants `make mutate` found surviving (docs/mutation.md).
"""

from __future__ import annotations

from datetime import date

import pytest

from services.booking.domain.patients import (
    InvalidPatient,
    Sex,
    check_id_number,
    clean_patient,
    normalise_phone,
)

ADULT_ID = "110105198005120036"  # checksum right: born 1980-05-12, a man
PHONE = "+8613800138000"


def details(**given: object) -> dict[str, object]:
    request = clean_patient({"name": "钱", "phone": PHONE, "id_number": ADULT_ID, **given})
    return request.details.told()


def test_the_card_fills_in_the_sex_and_the_birth_date_when_they_are_unknown_or_left_out() -> None:
    assert (details()["sex"], details()["birth_date"]) == (Sex.MALE, date(1980, 5, 12))
    told = details(sex="unknown")
    assert told["sex"] == Sex.MALE, "'unknown' gives way to what the card says"
    assert details(sex="male", birth_date=date(1980, 5, 12))["sex"] == Sex.MALE


@pytest.mark.parametrize("given, field, words", [
    ({"sex": "female"}, "sex", "The sex differs from the identity card's."),
    ({"birth_date": date(1980, 5, 13)}, "birth_date",
     "The date of birth differs from the identity card's.")])
def test_details_that_contradict_the_card_are_refused_with_their_field(given, field,
                                                                        words) -> None:
    with pytest.raises(InvalidPatient) as refused:
        details(**given)
    assert refused.value.field == f"patient.{field}"
    assert refused.value.message == words


def test_a_phone_is_read_in_the_hospitals_region_and_in_chinas_when_none_is_given() -> None:
    london = clean_patient({"name": "Ann Lee", "phone": "020 7946 0018"}, region="GB")
    assert london.details.phone == "+442079460018"
    assert normalise_phone("138 0013 8000").e164 == PHONE


@pytest.mark.parametrize("email", ["", "  ", None])
def test_an_empty_email_is_no_email(email: str | None) -> None:
    assert clean_patient({"name": "钱", "phone": PHONE, "email": email}).details.email is None


def mod_11_2(body: str) -> str:
    """ISO 7064 MOD 11-2 worked out on its own (weights 2**(17-i) mod 11), not from the code."""
    total = sum(int(digit) * (2 ** (17 - i) % 11) for i, digit in enumerate(body))
    return "0123456789X"[(12 - total % 11) % 11]


#: No digit 0 where the other tests' numbers all have one (1101 05…, 4403 04…): with a 0
#: there, a wrong weight for that place changes nothing and goes unnoticed.
BODIES = ("52345619800512987", "13579219991231468", "62918719750709531", "34216819661128753")


@pytest.mark.parametrize("body", BODIES)
def test_every_place_of_the_number_weighs_in_its_check_character(body: str) -> None:
    number = check_id_number(body + mod_11_2(body))
    assert number.value == body + mod_11_2(body)
    for wrong in "0123456789X":
        if wrong != mod_11_2(body):
            with pytest.raises(InvalidPatient) as refused:
                check_id_number(body + wrong)
            assert refused.value.field == "patient.id_number"


def test_the_first_of_january_1900_is_the_earliest_birth_date_a_card_may_hold() -> None:
    first = "11010519000101003"
    assert check_id_number(first + mod_11_2(first)).birth_date == date(1900, 1, 1)
    before = "11010518991231003"
    with pytest.raises(InvalidPatient) as refused:
        check_id_number(before + mod_11_2(before))
    assert refused.value.field == "patient.id_number"
