"""Satisfaction call-backs in the real pages (SPEC §15, issue 33 item 6): the console's
consent box, the call card's three questions scored 1–5, the manager's results with the
count behind each average; and the desk's new pages reachable from the shared menu and the
console, at desktop and phone width."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.e2e.conftest import ALWAYS, ANY_HOUR, ONE_WEB_PROCESS, Clinic, shared_clinic
from tests.support.pages import (
    DESKTOP,
    PHONE,
    SHANGHAI,
    api,
    bookable_today,
    department_named,
    sign_in,
    wait_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Clinic:
    """Calling hours all day, and the satisfaction call due the day of the visit (0 days
    after), so a visit checked in now can be called now."""
    return shared_clinic(tmp_path_factory, **ANY_HOUR,
                         FOLLOWUP_SATISFACTION_DAYS="0", **ALWAYS,
                         **ONE_WEB_PROCESS)


def visited_today(clinic: Clinic, name: str, phone: str, consent: bool) -> dict:
    """Booked for a slot of today (with or without the consent) and checked in."""
    bookable_today(clinic, "心内科")
    now = datetime.now(SHANGHAI)
    department_id = department_named(clinic, "心内科")
    grid = api(clinic, "admin", "GET", "booking", "/availability", params={
        "department_id": department_id, "date": now.date().isoformat()}).json()
    slot = next(s for e in grid["experts"] for s in e["slots"]
                if s["state"] == "open" and s["remaining"] > 0
                and datetime.fromisoformat(s["start"]) > now + timedelta(minutes=2))
    booked = api(clinic, "consultant", "POST", "booking", "/appointments", json={
        "slot_id": slot["slot_id"], "channel": "phone",
        "patient": {"name": name, "phone": phone, "satisfaction_consent": consent}})
    assert booked.status_code == 201, booked.text
    arrived = api(clinic, "frontdesk", "POST", "booking",
                  f"/appointments/{booked.json()['id']}/check-in", json={})
    assert arrived.status_code == 200, arrived.text
    return booked.json()


def test_the_card_asks_three_questions_and_the_manager_sees_the_result(
        clinic, browser, shots) -> None:
    visited_today(clinic, "诸葛亮", "13912345671", consent=True)
    visited_today(clinic, "庞统", "13912345672", consent=False)
    page = sign_in(browser, clinic, "consultant")
    page.goto(f"{clinic.urls['followup']}/worklist")
    page.locator("#kind").select_option("satisfaction")
    # due when today's calling hours opened (00:00 here, no spacing): overdue already
    row = page.locator("#due_now tr, #overdue tr", has_text="诸葛亮")
    assert wait_for(lambda: (page.reload() or True) and row.count() == 1, 30), \
        "her check-in opened the call"
    page.locator("#kind").select_option("satisfaction")
    assert page.locator("#due_now tr, #overdue tr", has_text="庞统").count() == 0, \
        "no consent: no call"
    row.get_by_role("button", name="领取").click()
    card = page.locator("#card-body")
    card.wait_for()
    assert "满意度回访" in page.locator("#card-greeting").inner_text() or \
        "三个简短的问题" in page.locator("#card-greeting").inner_text()
    assert not page.get_by_role("button", name="约成").is_visible(), "it books nothing"
    page.get_by_role("button", name="已回答").click()
    assert wait_for(lambda: "请为三个问题都打分" in page.locator("#call-error").inner_text())
    box = page.locator("#satisfaction-box")
    for question, score in (("专家讲解是否清楚", "5"), ("候诊时间是否可以接受", "3"),
                            ("这次就诊总体是否满意", "4")):
        box.get_by_role("radiogroup", name=question).get_by_label(score, exact=True).check()
    page.screenshot(path=str(shots / "satisfaction-card.png"), full_page=True)
    page.get_by_role("button", name="已回答").click()
    assert wait_for(lambda: "已回答" in page.locator("#toast").inner_text())

    small = sign_in(browser, clinic, "consultant", viewport=PHONE)
    small.goto(f"{clinic.urls['followup']}/worklist")
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]

    manager = sign_in(browser, clinic, "manager")
    manager.goto(f"{clinic.urls['booking']}/stats")
    results = manager.locator("#satisfaction")
    assert wait_for(lambda: "(n=1)" in results.inner_text(), 20), results.inner_text()
    assert "样本少" in results.inner_text() and "5.0 (n=1)" in results.inner_text()
    calls = manager.locator("#funnel-calls")  # drawn from its own answer, after #satisfaction's
    assert wait_for(lambda: "通话时长中位数" in calls.inner_text(), 20), calls.inner_text()
    funnel = calls.inner_text()
    assert "通话时长中位数" in funnel and "满意度已回答 1" in funnel, funnel
    manager.locator("#satisfaction-title").scroll_into_view_if_needed()
    manager.screenshot(path=str(shots / "stats-satisfaction.png"), full_page=True)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_menu_and_the_console_reach_answers_and_complaints(clinic, browser, shots,
                                                               viewport) -> None:
    page = sign_in(browser, clinic, "consultant", viewport=viewport)
    page.goto(f"{clinic.urls['booking']}/console")
    menu = page.get_by_role("navigation")
    assert menu.get_by_role("link", name="统一回答口径").count() == 1
    assert menu.get_by_role("link", name="投诉处理").count() == 1
    assert page.locator("#to-answers").count() == 1 and page.locator("#to-complaints").count() == 1
    consent = page.get_by_label("患者同意就诊后接听满意度回访电话")
    assert consent.count() == 1 and not consent.is_checked(), "off unless given"
    name = "desktop" if viewport == DESKTOP else "phone"
    page.screenshot(path=str(shots / f"menu-{name}.png"), full_page=True)
    page.locator("#to-answers").click()
    page.wait_for_load_state("networkidle")
    assert page.url.startswith(f"{clinic.urls['followup']}/answers")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    desk = sign_in(browser, clinic, "frontdesk", viewport=viewport)
    asked: list[str] = []
    errors: list[str] = []
    desk.on("request", lambda r: asked.append(r.url))
    desk.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    desk.goto(f"{clinic.urls['booking']}/roster")
    menu = desk.get_by_role("navigation")
    assert menu.get_by_role("link", name="投诉处理").count() == 1
    assert menu.get_by_role("link", name="统一回答口径").count() == 0, "not a front desk page"
    menu.get_by_role("link", name="投诉处理").click()
    desk.wait_for_load_state("networkidle")
    assert desk.url.startswith(f"{clinic.urls['followup']}/complaints")
    assert "没有权限" not in desk.content()
    assert desk.locator("#complaint-form").is_visible()
    assert not any("/api/v1/colleagues" in url for url in asked), \
        "front desk records its own complaints: no call it may not make"
    assert errors == [], errors
    assert desk.locator("#complaint-form select[name=owner]").count() == 0
