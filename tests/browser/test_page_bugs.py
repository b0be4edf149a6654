"""Issue 16: bugs a new user found in the pages, each reproduced in headless Chromium."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser.test_pages import DESKTOP, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]


def signed_in(browser, clinic, username: str, **context):
    page = browser.new_context(viewport=DESKTOP, locale="zh-CN", **context).new_page()
    page.goto(f"{clinic.urls['schedule']}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("demo")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")
    return page


def headers_of_week(page) -> list[str]:
    page.locator("#week .day h3").first.wait_for()
    return page.locator("#week .day h3").all_inner_texts()


def test_the_admin_week_is_headed_by_each_dates_own_weekday(clinic, browser) -> None:
    """Bug 2: the week was a day off in a browser whose zone is behind the hospital's,
    and any start date other than a Monday mislabelled every day."""
    page = signed_in(browser, clinic, "admin", timezone_id="America/Los_Angeles")
    page.get_by_role("link", name="排班管理").click()
    page.wait_for_load_state("networkidle")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    monday = today - timedelta(days=today.weekday())
    assert page.locator("#week-start").input_value() == monday.isoformat(), \
        "the hospital's Monday, not the browser's"
    first = headers_of_week(page)[0]
    assert first == f"周一 {monday:%m-%d}", first
    wednesday = monday + timedelta(days=9)
    page.locator("#week-start").fill(wednesday.isoformat())
    page.locator("#week-start").dispatch_event("change")
    assert wait_for(lambda: headers_of_week(page)[0] == f"周三 {wednesday:%m-%d}")
    for text in headers_of_week(page):
        weekday, month_day = text.split()
        day = date(wednesday.year, int(month_day[:2]), int(month_day[3:]))
        if day < wednesday:
            day = day.replace(year=day.year + 1)
        assert WEEKDAYS[day.weekday()] == weekday, text
    page.get_by_role("button", name="下一周").click()
    assert wait_for(lambda: headers_of_week(page)[0]
                    == f"周三 {wednesday + timedelta(days=7):%m-%d}")


def test_the_manager_lands_on_stats_and_a_reversed_range_says_so(clinic, browser) -> None:
    """Bugs 13 and 3: the manager landed on the roster; a reversed range kept the old
    table with no message, and an empty range showed an empty table."""
    page = signed_in(browser, clinic, "manager")
    assert page.url.startswith(f"{clinic.urls['booking']}/stats"), page.url
    form = page.locator("#stats-form")
    form.get_by_label("从").fill("2026-03-10")
    form.get_by_label("到").fill("2026-03-01")
    form.get_by_role("button", name="查看").click()
    assert wait_for(lambda: "结束日期早于开始日期" in page.locator("#stats-error").inner_text())
    assert page.locator("#stats tr").count() == 0, "no stale table under the message"
    form.get_by_label("到").fill("2026-03-11")
    form.get_by_role("button", name="查看").click()
    assert wait_for(lambda: "这段时间没有预约" in page.locator("#stats").inner_text())
    assert page.locator("#stats-error").inner_text() == ""
