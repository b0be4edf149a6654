"""Marshmallow fields every service's schemas share."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import fields, validate

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


class Day(fields.Date):
    """A ``YYYY-MM-DD`` date between 2000 and 2100.

    The bounds keep date arithmetic (a date plus a number of days) from running
    off the calendar: nobody books a clinic in the year 9999.
    """

    def __init__(self, **kwargs: Any) -> None:
        bounds = validate.Range(min=FIRST_DAY, max=LAST_DAY,
                                error="Give a date between 2000-01-01 and 2100-12-31.")
        super().__init__(validate=bounds, **kwargs)


#: Ids are 32-bit in every database we use; anything larger can only be a mistake.
MAX_ID = 2**31 - 1
ID_RANGE = validate.Range(min=1, max=MAX_ID, error="Not a known id.")
