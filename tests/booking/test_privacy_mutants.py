"""Searching patients by phone, as plain Python: what a mutant changed unnoticed.

Written for the mutants `make mutate` found surviving (docs/mutation.md).
"""

from __future__ import annotations

from services.booking.domain.privacy import PhoneSearch, phone_in_text, phone_search


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


def test_a_name_with_a_number_in_it_is_a_name_search_not_a_phone_search() -> None:
    """Free text is a phone search only when it is digits alone: "李雷13800138000" is no
    number typed, though a phone parser would find one in it."""
    assert phone_in_text("李雷13800138000", ("consultant",), "CN") is None
    assert phone_in_text("13800138000", ("consultant",), "CN") == PhoneSearch(
        full="+8613800138000")
