"""Marshmallow fields every service's schemas share."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from marshmallow import INCLUDE, Schema, fields, validate

from .web import unprocessable

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
FIRST_BIRTH_DAY = date(1900, 1, 1)
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class CalendarDate(fields.Date):
    """A date written ``YYYY-MM-DD`` and nothing else: Python reads ISO week dates and
    compact forms too (``1980-W01`` is 1979-12-31, ``20261207``), which nobody at a desk
    means and the pages never send."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        if not isinstance(value, str) or not ISO_DAY.fullmatch(value):
            raise self.make_error("invalid")
        day: date = super()._deserialize(value, attr, data, **kwargs)
        return day


class Day(CalendarDate):
    """A ``YYYY-MM-DD`` date between 2000 and 2100.

    The bounds keep date arithmetic (a date plus a number of days) from running
    off the calendar: nobody books a clinic in the year 9999.
    """

    def __init__(self, **kwargs: Any) -> None:
        bounds = validate.Range(min=FIRST_DAY, max=LAST_DAY,
                                error="Give a date between 2000-01-01 and 2100-12-31.")
        super().__init__(validate=bounds, **kwargs)


def _today() -> date:
    """Today where the calendar is furthest ahead (UTC+14): a child born today in the
    hospital's zone is never "born in the future", whatever zone the server keeps. The
    running service's clock when there is one (tests move it), else the system's."""
    now = datetime.now(UTC)
    if has_app_context():
        clinic = current_app.extensions.get("clinic")
        if clinic is not None:
            now = clinic.now()
    return (now.astimezone(UTC) + timedelta(hours=14)).date()


class Instant(fields.AwareDateTime):
    """A moment given with its zone (``2026-12-07T10:00:00+08:00`` or ``…Z``), between
    2000 and 2100, loaded in UTC.

    A time without a zone is refused (422), not guessed: the staff member's browser, the
    server and the hospital may each keep another zone. The years are bounded like
    :class:`Day`'s, so converting the moment to another zone never runs off the
    calendar (``9999-12-31T23:00:00-12:00`` was a 500).
    """

    default_error_messages = {
        "invalid_awareness": "Give the time with its zone, e.g. 2026-12-07T10:00:00+08:00.",
        "range": "Give a time between 2000-01-01 and 2100-12-31.",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any,
                     **kwargs: Any) -> datetime:
        moment: datetime = super()._deserialize(value, attr, data, **kwargs)
        # Checked before converting: within these years no offset (under a day) overflows.
        if not FIRST_DAY.year <= moment.year <= LAST_DAY.year:
            raise self.make_error("range")
        return moment.astimezone(UTC)


class BirthDate(CalendarDate):
    """A date of birth: ``YYYY-MM-DD`` from 1900-01-01 up to today, never in the future.

    Not a :class:`Day`: those bound the days a clinic runs (2000–2100), and an adult was
    born long before 2000.
    """

    default_error_messages = {"range": "Give a date of birth from 1900-01-01 up to today."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        day: date = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_BIRTH_DAY <= day <= _today():
            raise self.make_error("range")
        return day


class Export(Schema):
    """All a service holds on one patient, as plain JSON (times in UTC), for PIPL."""

    class Meta:
        unknown = INCLUDE

    service = fields.String(required=True)

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        return obj  # already plain JSON; the shape differs by service


#: Ids are 32-bit in every database we use; anything larger can only be a mistake.
MAX_ID = 2**31 - 1
ID_RANGE = validate.Range(min=1, max=MAX_ID, error="Not a known id.")


def day_span(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants that bound whole hospital days ``first`` to ``last``: the first
    day's midnight and the midnight after the last."""
    return (datetime.combine(first, time(0), tzinfo=zone),
            datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone))


def hospital_days(first: date | None, last: date | None,
                  zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """:func:`day_span` for filters given as days, either end open. Refuses (422) a
    ``to`` before ``from``."""
    if first and last and last < first:
        unprocessable("to", "'to' is before 'from'.", "query")
    after = day_span(first, first, zone)[0] if first else None
    before = day_span(last, last, zone)[1] if last else None
    return after, before


class AccessQuery(Schema):
    """The filters of ``GET /access-log`` (SPEC §8), on every service that keeps one."""

    patient_id = fields.Integer(validate=ID_RANGE)
    staff = fields.String(validate=validate.Length(min=1, max=60))
    from_ = Day(data_key="from", metadata={"description": "first day, hospital time"})
    to = Day(metadata={"description": "last day, hospital time"})
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=5000))


class AccessOut(Schema):
    """One access-log row; ``service`` says whose log, so the admin page can join them."""

    id = fields.Integer(required=True)
    service = fields.String(required=True)
    at = fields.DateTime(required=True)
    staff = fields.String(required=True)
    patient_id = fields.Integer(required=True, allow_none=True)
    action = fields.String(required=True)
    detail = fields.String()
