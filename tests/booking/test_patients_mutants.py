"""What a booking's patient details become, as plain Python: no Flask, no database.

Written for the mutants `make mutate` found surviving (docs/mutation.md).
"""

from __future__ import annotations

from datetime import date

import pytest

from services.booking.domain.patients import InvalidPatient, Sex, clean_patient

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


@pytest.mark.parametrize("given, field", [({"sex": "female"}, "sex"),
                                          ({"birth_date": date(1980, 5, 13)}, "birth_date")])
def test_details_that_contradict_the_card_are_refused_with_their_field(given, field) -> None:
    with pytest.raises(InvalidPatient) as refused:
        details(**given)
    assert refused.value.field == field
