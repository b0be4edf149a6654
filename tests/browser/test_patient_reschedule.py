"""A patient moves their visit through the link from the SMS, in headless Chromium: a tap
on a place asks first, naming the day (今天/明天 and the weekday) and the time; going back
moves nothing; confirming moves (issue 27, items 3 and 11c)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import requests

from tests.support.pages import PHONE, SHANGHAI, context_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]
DAY_AND_TIME = re.compile(r"(今天|明天)? ?\d{1,2}月\d{1,2}日 周[一二三四五六日] \d\d:\d\d")


def words_for(start: datetime) -> str:
    """What the page should say for a start: 今天/明天 where it is, the weekday, the time."""
    local = start.astimezone(SHANGHAI)
    near = {0: "今天 ", 1: "明天 "}.get((local.date() - datetime.now(SHANGHAI).date()).days, "")
    return (f"{near}{local.month}月{local.day}日 周{'一二三四五六日'[local.weekday()]} "
            f"{local:%H:%M}")


def test_a_patient_moves_through_the_link_after_confirming(clinic, browser, shots) -> None:
    booking = f"{clinic.urls['booking']}/api/v1"
    headers = {"Authorization": f"Bearer {clinic.token('consultant')}"}
    tomorrow = (datetime.now(SHANGHAI) + timedelta(days=1)).date()
    found = requests.get(f"{booking}/availability?department_id=1&date={tomorrow}&days=7",
                         headers=headers, timeout=10).json()
    slot = next(s for e in found["experts"] for s in e["slots"] if s["remaining"])
    booked = requests.post(f"{booking}/appointments", headers=headers, timeout=10, json={
        "slot_id": slot["slot_id"], "channel": "phone",
        "patient": {"name": "韩梅梅", "phone": "13622223333"}}).json()
    link = booked["patient_link"]
    token = link.rsplit("/p/", 1)[1]

    def current() -> dict:
        return requests.get(f"{booking}/patient-link/{token}", timeout=10).json()

    before = current()
    places = before["alternatives"]
    assert places, "the demo hospital offers places to move to"
    cut_off = datetime.fromisoformat(before["start"]) - datetime.fromisoformat(
        before["cancel_until"])
    assert all(datetime.fromisoformat(p["start"]) > datetime.now(SHANGHAI) + cut_off
               for p in places), "only places still cancellable online once there"

    page = context_for(browser, viewport=PHONE, locale="zh-CN").new_page()
    page.goto(link)
    visit = page.locator("dd.when").inner_text()
    assert visit.startswith(words_for(datetime.fromisoformat(before["start"]))), visit
    choices = page.locator("ul.places a")
    assert choices.count() == len(places)
    for n, place in enumerate(places):
        assert choices.nth(n).inner_text().startswith(
            words_for(datetime.fromisoformat(place["start"])))
    page.screenshot(path=str(shots / "patient-link-places.png"), full_page=True)

    chosen = places[-1]
    choices.last.click()
    page.get_by_role("heading", name="确定改约到这个时间吗？").wait_for()
    named = page.locator(".new-place .when").inner_text()
    assert DAY_AND_TIME.fullmatch(named), named
    assert named == words_for(datetime.fromisoformat(chosen["start"]))
    assert page.get_by_role("button", name="确认改约").is_visible()
    page.screenshot(path=str(shots / "patient-reschedule-confirm.png"), full_page=True)
    assert current()["start"] == before["start"], "asking moved nothing"

    page.get_by_role("link", name="不改约，返回").click()
    page.get_by_role("link", name="取消预约").wait_for()
    assert "已为您改约" not in page.inner_text("body")
    assert current()["start"] == before["start"], "going back moved nothing"

    page.locator("ul.places a").last.click()
    page.get_by_role("button", name="确认改约").click()
    page.get_by_role("status").wait_for()
    assert "已为您改约" in page.inner_text("body")
    after = current()
    assert after["start"] == chosen["start"] and after["status"] == "booked"
    assert after["can_cancel"] is True, "the patient may still cancel online where they went"
    assert page.locator("dd.when").inner_text().startswith(
        words_for(datetime.fromisoformat(chosen["start"])))
    page.screenshot(path=str(shots / "patient-link-moved.png"), full_page=True)


def test_an_old_link_after_the_desk_rebooked_names_the_new_visit(clinic, browser,
                                                                   shots) -> None:
    """The hospital cancelled (医院原因), the desk booked the patient again (another code):
    the old link offered places and a tap said only 您当天已预约了这位医生。 Now it is headed
    by what happened, names the new visit and offers nothing, on a phone."""
    booking = f"{clinic.urls['booking']}/api/v1"
    headers = {"Authorization": f"Bearer {clinic.token('consultant')}"}
    tomorrow = (datetime.now(SHANGHAI) + timedelta(days=1)).date()
    found = requests.get(f"{booking}/availability?department_id=1&date={tomorrow}&days=7",
                         headers=headers, timeout=10).json()
    slots = [s for e in found["experts"] for s in e["slots"] if s["remaining"]]
    patient = {"name": "李雷", "phone": "13622224444", "sms_consent": True}
    old = requests.post(f"{booking}/appointments", headers=headers, timeout=10, json={
        "slot_id": slots[0]["slot_id"], "channel": "phone", "patient": patient}).json()
    cancelled = requests.post(f"{booking}/appointments/{old['id']}/cancel", headers=headers,
                              timeout=10, json={"reason": "hospital", "note": "设备检修"})
    assert cancelled.status_code == 200, cancelled.text
    later = next(s for s in slots if s["date"] != slots[0]["date"])
    new = requests.post(f"{booking}/appointments", headers=headers, timeout=10, json={
        "slot_id": later["slot_id"], "channel": "phone", "patient": patient})
    assert new.status_code == 201, new.text

    page = context_for(browser, viewport=PHONE, locale="zh-CN").new_page()
    page.goto(old["patient_link"])
    text = page.inner_text("body")
    assert "医院取消了这次预约" in text and "原因：设备检修" in text
    assert "停诊" not in text, text
    replaced = page.locator(".replaced")
    assert "您已有新的预约" in replaced.inner_text()
    assert replaced.locator(".when").inner_text().startswith(
        words_for(datetime.fromisoformat(later["start"])))
    assert "新的预约另有短信通知" in replaced.inner_text()
    assert page.locator("ul.places a").count() == 0, "no place offered"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(shots / "patient-link-replaced.png"), full_page=True)
