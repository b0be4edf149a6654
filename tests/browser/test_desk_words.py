"""The booking desk's pages in Chinese, after a reviewer's walk: a refusal is said by its
code from the shared catalogue (never the API's English detail) and the page reads its data
again; the console's confirmation goes when its appointment is cancelled from the panel;
the keyboard goes where the next keystroke belongs; Chinese text uses the full-width colon."""

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
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WRONG_STATUS = "这个预约的状态已经变了，请刷新"
ENGLISH = re.compile(r"Cannot|appointment|[A-Za-z]{4,}")


def until(page, check, timeout: float = 15.0) -> bool:
    """``wait_for`` that keeps Playwright's event loop turning (route handlers run in it)."""
    for _ in range(int(timeout * 4)):
        if check():
            return True
        page.wait_for_timeout(250)
    return check()


def freeze_roster(desk, unfreeze_on: str) -> None:
    """The roster page keeps showing its last answer (as between two 5-second refreshes)
    until it sends a POST to ``…/{unfreeze_on}``: its button then meets a row changed
    meanwhile, whatever the refresh's timing."""
    state: dict = {"frozen": False, "body": None}

    def roster(route) -> None:
        if state["frozen"] and state["body"] is not None:
            route.fulfill(status=200, content_type="application/json", body=state["body"])
            return
        response = route.fetch()
        state["body"] = response.text()
        route.fulfill(response=response)

    def action(route) -> None:
        state["frozen"] = False
        route.continue_()

    desk.route("**/api/v1/roster?*", roster)
    desk.route(f"**/api/v1/appointments/*/{unfreeze_on}", action)
    desk.reload()
    desk.wait_for_load_state("networkidle")
    assert until(desk, lambda: state["body"] is not None)
    state["frozen"] = True


def toast_text(page) -> str:
    return page.locator("#toast").inner_text()


def test_a_roster_refusal_is_said_in_chinese_and_the_row_read_again(clinic, browser) -> None:
    booked = book_today(clinic, "儿科", {"name": "抢先", "phone": "13644440001"})
    desk = sign_in(browser, clinic, "frontdesk")
    row = desk.locator(f'tr[data-code="{booked["code"]}"]')
    row.wait_for()
    freeze_roster(desk, "check-in")
    # Another desk checks the patient in; this one still shows 报到 and presses it.
    checked = api(clinic, "frontdesk", "POST", "booking",
                  f"/appointments/{booked['id']}/check-in", json={})
    assert checked.status_code == 200, checked.text
    row.get_by_role("button", name="报到").click()
    assert until(desk, lambda: WRONG_STATUS in toast_text(desk)), toast_text(desk)
    assert not ENGLISH.search(toast_text(desk)), "never the API's English detail"
    assert until(desk, lambda: "已报到" in row.locator(".pill").first.inner_text()), \
        "the roster read again: the row says what is"
    assert row.get_by_role("button", name="报到", exact=True).count() == 0


def test_a_check_in_toast_uses_the_full_width_colon(clinic, browser) -> None:
    booked = book_today(clinic, "儿科", {"name": "冒号", "phone": "13644440002"})
    desk = sign_in(browser, clinic, "frontdesk")
    row = desk.locator(f'tr[data-code="{booked["code"]}"]')
    row.get_by_role("button", name="报到").click()
    expected = f"{booked['queue_number']}号 冒号：已报到"
    assert until(desk, lambda: toast_text(desk) == expected), toast_text(desk)


def test_a_cancel_someone_else_did_first_is_said_in_chinese_and_read_again(clinic,
                                                                           browser) -> None:
    booked = book_by_api(clinic, 3, {"name": "晚一步", "phone": "13644440003"})
    page, listed = open_found(clinic, browser, "13644440003", booked)
    page.get_by_role("button", name="取消预约").click()
    # Consultant A cancels the same appointment; B, with it open, confirms hers.
    first = api(clinic, "consultant", "POST", "booking", f"/appointments/{booked['id']}/cancel",
                json={"reason": "patient"})
    assert first.status_code == 200, first.text
    page.get_by_role("button", name="确认取消").click()
    error = page.locator("#opened-error")
    assert until(page, lambda: WRONG_STATUS in error.inner_text()), error.inner_text()
    assert not ENGLISH.search(error.inner_text())
    assert until(page, lambda: "已取消" in page.locator("#opened-title").inner_text()), \
        "the opened appointment read again"
    assert until(page, lambda: "已取消" in listed.inner_text()), "and the found list"
    assert page.get_by_role("button", name="取消预约").is_disabled()


def book_in_console(page, name: str, phone: str) -> None:
    form = page.locator("#patient-form")
    form.get_by_label("手机号").fill(phone)
    form.get_by_label("患者姓名").fill(name)
    form.get_by_role("button", name="确认预约").click()
    page.locator("#done").wait_for()


def test_booking_focuses_copy_and_a_cancel_from_the_panel_takes_the_confirmation_away(
        clinic, browser) -> None:
    bookable_today(clinic, "心内科")
    page = sign_in(browser, clinic, "consultant")
    hold_first_open(page, show_department(page, "心内科"))
    book_in_console(page, "取消后", "13644440004")
    assert until(page, lambda: page.evaluate("document.activeElement.id") == "copy"), \
        "copying the confirmation comes next, not <body>"

    find = page.locator("#find-form")
    find.get_by_label("手机号、姓名或预约码").fill("13644440004")
    find.get_by_role("button", name="查找").click()
    listed = page.locator("#found li", has_text="取消后")
    listed.get_by_role("button").click()
    page.locator("#opened-title", has_text="已预约").wait_for()
    page.get_by_role("button", name="取消预约").click()
    page.get_by_role("button", name="确认取消").click()
    page.locator("#opened-title", has_text="已取消").wait_for()
    assert until(page, lambda: not page.locator("#done").is_visible()), \
        "no 预约成功 for an appointment just cancelled"
    assert not page.get_by_role("button", name="复制").is_visible()
    assert page.locator("#confirmation").input_value() == ""
    assert page.locator("#hint").is_visible()


def test_a_move_from_the_panel_takes_the_confirmation_away(clinic, browser) -> None:
    bookable_today(clinic, "心内科", slots=2)
    page = sign_in(browser, clinic, "consultant")
    grid = show_department(page, "心内科")
    booked_id = hold_first_open(page, grid)
    book_in_console(page, "改约后", "13644440005")
    assert page.locator("#confirmation").input_value()

    find = page.locator("#find-form")
    find.get_by_label("手机号、姓名或预约码").fill("13644440005")
    find.get_by_role("button", name="查找").click()
    page.locator("#found li", has_text="改约后").get_by_role("button").click()
    page.locator("#opened-title", has_text="已预约").wait_for()
    page.locator("#move").click()
    page.once("dialog", lambda dialog: dialog.accept())
    other = f':not([data-slot="{booked_id}"])'
    grid.locator(f".slot.open{other}, .slot.low{other}").last.click()
    assert until(page, lambda: "已改约" in toast_text(page)), toast_text(page)
    assert until(page, lambda: not page.locator("#done").is_visible()), \
        "the moved appointment's old confirmation goes"
    assert page.locator("#confirmation").input_value() == ""


def test_releasing_a_hold_puts_the_keyboard_on_a_free_slot(clinic, browser) -> None:
    bookable_today(clinic, "心内科")
    page = sign_in(browser, clinic, "consultant")
    hold_first_open(page, show_department(page, "心内科"))
    page.get_by_role("button", name="放弃保留").click()
    page.locator("#hint").wait_for()
    focused = """() => { const a = document.activeElement; return a.id === "department"
      || (a.matches(".slot.open, .slot.low") && a.closest("#grid") !== null); }"""
    assert until(page, lambda: page.evaluate(focused)), \
        page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
