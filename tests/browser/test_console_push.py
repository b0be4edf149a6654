"""The console's counts pushed: a booking made elsewhere shows at once; polling is the
fallback while the stream is down."""

from __future__ import annotations

import pytest
import requests

from tests.support.pages import bookable_today, remaining, show_department, sign_in, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def book_elsewhere(clinic, slot_id: str, n: int) -> None:
    answer = requests.post(
        f"{clinic.urls['booking']}/api/v1/appointments", timeout=10,
        headers={"Authorization": f"Bearer {clinic.token('consultant')}"},
        json={"slot_id": int(slot_id), "channel": "phone",
              "patient": {"name": f"推送{n}", "phone": f"1360000{n:04d}"}})
    assert answer.status_code == 201, answer.text


def polls(page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if "/availability/counts" in r.url else None)
    return seen


def test_a_booking_made_elsewhere_shows_without_a_poll(clinic, browser) -> None:
    bookable_today(clinic, "儿科")
    page = sign_in(browser, clinic, "consultant")
    polled = polls(page)
    grid = show_department(page, "儿科")
    grid.locator(".slot.open").first.wait_for()
    page.locator('#grid[data-pushed="yes"]').wait_for(timeout=15000)
    slot_id = grid.locator(".slot.open").first.get_attribute("data-slot")
    before = remaining(page, slot_id)
    polled.clear()
    book_elsewhere(clinic, slot_id, 1)
    assert wait_for(lambda: remaining(page, slot_id) == before - 1, 15)
    assert polled == [], "the change came pushed: the console asked for no counts"


def test_while_the_stream_is_down_the_console_polls_and_tries_again(clinic, browser) -> None:
    bookable_today(clinic, "儿科")
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    tried: list[str] = []

    def refuse(route) -> None:
        tried.append(route.request.url)
        route.abort()

    context.route("**/api/v1/stream/**", refuse)
    page = context.new_page()  # sign_in's own context would open the stream
    page.goto(f"{clinic.urls['schedule']}/login")
    page.get_by_label("用户名").fill("consultant")
    page.get_by_label("密码").fill("demo")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")
    polled = polls(page)
    grid = show_department(page, "儿科")
    grid.locator(".slot.open").first.wait_for()
    slot_id = grid.locator(".slot.open").first.get_attribute("data-slot")
    before = remaining(page, slot_id)
    book_elsewhere(clinic, slot_id, 2)
    assert wait_for(lambda: remaining(page, slot_id) == before - 1, 20), "the poll showed it"
    assert polled, "shown by the poll"
    assert wait_for(lambda: len(tried) >= 2, 15), "the stream is tried again"
    assert page.locator("#grid").get_attribute("data-pushed") != "yes"
    context.close()
