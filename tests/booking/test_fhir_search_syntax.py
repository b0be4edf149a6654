"""FHIR's search syntax read in the domain (no app): any text either reads or is refused
as ``Invalid`` naming its parameter — never another exception, so never a 500."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.booking.domain.fhir import MAX_COUNT, Range, SearchArgs, Token
from services.booking.domain.rules import Invalid

ZONE = ZoneInfo("Asia/Shanghai")
ALLOWED = {"start": 2, "identifier": 1, "schedule": 1, "active": 1, "status": 1, "name": 1}


def args(*pairs: tuple[str, str]) -> SearchArgs:
    return SearchArgs(list(pairs), ALLOWED)


@given(st.text(max_size=60))
def test_any_value_of_any_parameter_reads_or_is_refused_naming_it(value: str) -> None:
    readers = {"start": lambda a: a.dates("start", ZONE),
               "identifier": lambda a: a.token("identifier"),
               "schedule": lambda a: a.reference("schedule", "Schedule"),
               "active": lambda a: a.boolean("active"),
               "status": lambda a: a.codes("status", ["free", "busy"]),
               "name": lambda a: a.text("name"),
               "_count": lambda a: a.page(), "_offset": lambda a: a.page()}
    for name, read in readers.items():
        try:
            read(args((name, value)))
        except Invalid as refused:
            assert refused.field == name


def test_two_prefixed_dates_make_a_range_in_the_hospitals_zone() -> None:
    within = args(("start", "ge2026-12-07"), ("start", "lt2026-12-07T12:00:00+08:00")) \
        .dates("start", ZONE)
    assert within == Range(datetime(2026, 12, 7, tzinfo=ZONE),
                           datetime(2026, 12, 7, 4, tzinfo=UTC))
    day = args(("start", "2026-12-07")).dates("start", ZONE)
    assert day.holds(datetime(2026, 12, 7, 23, 59, tzinfo=ZONE))
    assert not day.holds(datetime(2026, 12, 8, tzinfo=ZONE))
    after = args(("start", "gt2026-12-07")).dates("start", ZONE)
    assert after.lower == datetime(2026, 12, 8, tzinfo=ZONE)


def test_tokens_references_and_pages_read_as_fhir_writes_them() -> None:
    assert args(("identifier", "http://x|E1")).token("identifier") == Token("http://x", "E1")
    assert args(("identifier", "E1")).token("identifier") == Token(None, "E1")
    assert args(("identifier", "|E1")).token("identifier") == Token("", "E1")
    for written in ("Schedule/7", "7", "http://h/fhir/Schedule/7"):
        assert args(("schedule", written)).reference("schedule", "Schedule") == 7
    assert args(("_count", "100000")).page().count == MAX_COUNT
    assert args().page().count == 50 and args().page().offset == 0


@pytest.mark.parametrize("pairs, field", [
    ((("colour", "red"),), "colour"),
    ((("name", "a"), ("name", "b")), "name"),
    ((("start", "ge2026-12-07"),) * 3, "start"),
    ((("_format", "xml"),), "_format"),
    ((("name:exact", "a"),), "name:exact"),
])
def test_unknown_repeated_or_unserved_parameters_are_refused(pairs: tuple, field: str) -> None:
    with pytest.raises(Invalid) as refused:
        args(*pairs)
    assert refused.value.field == field
