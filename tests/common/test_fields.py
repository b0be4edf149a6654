"""The shared date fields read ``YYYY-MM-DD`` only, each within its own years."""

from __future__ import annotations

from datetime import date

import pytest
from marshmallow import ValidationError

from services.common.fields import BirthDate, Day


@pytest.mark.parametrize("written", ["1980-W01", "1980-W01-1", "19800512", "1980-05-12T00:00",
                                     "１９８０-05-12", "1980-5-12", " 1980-05-12", "1980-123"])
def test_a_date_not_written_yyyy_mm_dd_is_refused(written: str) -> None:
    """Python's own reader takes ISO week dates and compact forms: 1980-W01 was stored
    as a birth date of 1979-12-31."""
    for field in (BirthDate(), Day()):
        with pytest.raises(ValidationError):
            field.deserialize(written.replace("1980", "2020"))
        with pytest.raises(ValidationError):
            field.deserialize(written)


def test_each_field_keeps_its_own_years() -> None:
    assert BirthDate().deserialize("1980-05-12") == date(1980, 5, 12)
    assert Day().deserialize("2026-12-07") == date(2026, 12, 7)
    with pytest.raises(ValidationError):
        Day().deserialize("1980-05-12")
    with pytest.raises(ValidationError):
        BirthDate().deserialize("1899-12-31")
