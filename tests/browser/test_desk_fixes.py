"""Issue 27 in the real pages: the roster offers 报到 only on the hospital's today, the
console's search list follows a cancel, focus goes where the next keystroke belongs, and
phones are masked as 138****8001."""

from __future__ import annotations

import re

import pytest

from tests.support.pages import (
    api,
    book_by_api,
    book_today,
    bookable_today,
    hold_first_open,
    open_found,
    show_department,
    sign_in,
    wait_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def show_roster_day(page, day: str) -> None:
    page.locator("#date").fill(day)
    page.locator("#date").dispatch_event("change")
    page.locator("#roster-date", has_text=day).wait_for()


def test_the_roster_offers_check_in_only_on_the_hospitals_today(clinic, browser) -> None:
    today = book_today(clinic, "儿科", {"name": "今天来", "phone": "13622220001"})
    later = book_by_api(clinic, 2, {"name": "明天来", "phone": "13622220002"})
    assert later["date"] > today["date"]
    desk = sign_in(browser, clinic, "frontdesk")
    row = desk.locator(f'tr[data-code="{today["code"]}"]')
    row.wait_for()
    assert row.get_by_role("button", name="报到").count() == 1

    show_roster_day(desk, later["date"])
    row = desk.locator(f'tr[data-code="{later["code"]}"]')
    row.wait_for()
    assert row.get_by_role("button", name="报到").count() == 0, "not on a later day"
    assert row.get_by_role("button", name="取消").count() == 1, "a later visit can be cancelled"


def test_the_roster_masks_phones_apart_and_says_the_full_number_is_searched(clinic,
                                                                           browser) -> None:
    later = book_by_api(clinic, 2, {"name": "掩码", "phone": "13622220003"})
    desk = sign_in(browser, clinic, "frontdesk")
    search = desk.get_by_label("查找（预约码、姓名、手机号或后四位）")
    assert search.is_visible(), "the full number works, and the label says so"
    show_roster_day(desk, later["date"])
    search.press_sequentially("136 2222 0003")
    row = desk.locator(f'tr[data-code="{later["code"]}"]')
    row.wait_for()
    assert "136****0003" in row.inner_text(), "masked as 138****8001: told apart"
    # The roster refreshes every 5 s; the number is looked up (and logged) once, and the
    # digits typed on the way to it look nothing up.
    for _ in range(2):
        before = desk.locator("#updated").inner_text()
        assert wait_for(lambda before=before: desk.locator("#updated").inner_text() != before,
                        12)
    patient_id = later["patient"]["id"]
    searches = [r for r in api(clinic, "admin", "GET", "booking", "/access-log",
                               params={"patient_id": patient_id}).json()
                if r["action"] == "search_phone"]
    assert len(searches) == 1, searches


def test_the_search_list_follows_a_cancel(clinic, browser) -> None:
    booked = book_by_api(clinic, 3, {"name": "周到", "phone": "13633330001"})
    page, listed = open_found(clinic, browser, "13633330001", booked)
    page.get_by_role("button", name="取消预约").click()
    page.get_by_role("button", name="确认取消").click()
    page.locator("#opened-title", has_text="已取消").wait_for()
    assert wait_for(lambda: "已取消" in listed.inner_text(), 5), "the list says so too"
    assert "已预约" not in listed.inner_text()


def test_cancelling_in_the_panel_puts_the_keyboard_on_the_reason(clinic, browser) -> None:
    booked = book_by_api(clinic, 3, {"name": "周全", "phone": "13633330002"})
    page, _ = open_found(clinic, browser, "13633330002", booked)
    page.get_by_role("button", name="取消预约").click()
    assert page.evaluate("document.activeElement.name") == "reason", \
        "the reason field, not the button"
    page.keyboard.press("Tab")  # the keyboard goes on through the form
    assert page.evaluate("document.activeElement.name") == "note"


def test_after_a_hold_the_phone_field_has_the_focus(clinic, browser) -> None:
    bookable_today(clinic, "心内科")
    page = sign_in(browser, clinic, "consultant")
    hold_first_open(page, show_department(page, "心内科"))
    assert wait_for(lambda: page.evaluate("document.activeElement.name") == "phone"), \
        "the phone finds a returning patient: it comes first"
    labels = page.locator("#patient-form label").all_inner_texts()
    assert re.match("手机号", labels[0]) and any(t.startswith("患者姓名") for t in labels[1:])
    page.keyboard.type("13711112222")
    assert page.locator("#patient-form").get_by_label("手机号").input_value() == "13711112222"
    page.get_by_role("button", name="放弃保留").click()
