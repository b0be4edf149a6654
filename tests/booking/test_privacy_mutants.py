"""Searching patients by phone, as plain Python: what a mutant changed unnoticed.

Written for the mutants `make mutate` found surviving (docs/mutation.md).
"""

from __future__ import annotations

from services.booking.domain.privacy import PhoneSearch, phone_search


def test_a_search_by_the_last_four_digits_matches_only_numbers_ending_so() -> None:
    search = PhoneSearch(last_four="8000")
    assert search.matches("+8613800138000")
    assert not search.matches("+8613800138001")
    assert not search.matches(None) and not search.matches("")
    assert not PhoneSearch().matches("+8613800138000"), "an empty search matches nothing"
    assert not PhoneSearch(last_four="").matches("+8613800138000")


def test_a_search_by_a_whole_number_matches_it_alone() -> None:
    search = PhoneSearch(full="+8613800138000")
    assert search.matches("+8613800138000") and not search.matches("+8613800138001")
    assert not search.matches(None)


def test_a_whole_number_is_read_in_the_hospital_s_region() -> None:
    assert phone_search("020 7946 0958", ("consultant",), "GB") == PhoneSearch(
        full="+442079460958")
    assert phone_search("138 0013 8000", ("consultant",), "CN") == PhoneSearch(
        full="+8613800138000")
