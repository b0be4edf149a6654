"""Desk work in the real pages (SPEC §10): the appointment panel moves a booking, the
waitlist books a waiting patient when another cancels, a patient moves their own
appointment from the link on a phone, and leave shows who it affects before it is kept."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support.pages import (
    PHONE,
    api,
    book_by_api,
    bookable_today,
    context_for,
    department_named,
    show_department,
    sign_in,
    wait_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def messages(clinic, appointment_id: int) -> list[dict]:
    answer = api(clinic, "admin", "GET", "notify", "/messages",
                 params={"appointment_id": appointment_id})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_consultant_finds_a_booking_by_phone_and_moves_it(clinic, browser, shots) -> None:
    booked = book_by_api(clinic, 2, {"name": "王小明", "phone": "13655556666",
                                     "sms_consent": True})
    page = sign_in(browser, clinic, "consultant")
    page.locator("#find-form").get_by_label("手机号、姓名或预约码").fill("136 5555 6666")
    page.locator("#find-form").get_by_role("button", name="查找").click()
    page.locator("#found").get_by_role("button", name="王小明").click()
    assert wait_for(lambda: "13655556666" in page.locator("#opened-facts").inner_text()), \
        "the full phone, once opened"
    page.get_by_role("button", name="改约", exact=True).click()
    assert page.locator("#moving").is_visible()

    show_department(page, booked["department"]["name"])
    other_day = page.locator(f'#strip .day.open:not([data-date="{booked["date"]}"])').first
    day = other_day.get_attribute("data-date")
    other_day.click()
    page.locator(f'#grid[data-shows$="|{day}|1"]').wait_for()
    assert other_day.get_attribute("aria-current") == "date"
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#grid .slot.open, #grid .slot.low").first.click()
    assert wait_for(lambda: "已改约" in page.locator("#toast").inner_text())
    assert not page.locator("#moving").is_visible()
    page.screenshot(path=str(shots / "console-moved.png"), full_page=True)

    moved = api(clinic, "consultant", "GET", "booking", f"/appointments/{booked['id']}").json()
    assert moved["date"] == day and moved["status"] == "booked"
    assert wait_for(lambda: any(m["template"] == "reschedule"
                                for m in messages(clinic, booked["id"])), 20)
    sms = [m["template"] for m in messages(clinic, booked["id"]) if m["channel"] == "sms"]
    assert sms.count("reschedule") == 1 and sms.count("confirmation") == 1, sms
    # A reminder for the new day may be queued too (when that day is far enough off).
    assert set(sms) <= {"reschedule", "confirmation", "reminder"}, sms


def fill_the_day(clinic, department_id: int) -> dict:
    """Every place of the department's smallest expert-day after today, booked; and the
    last booking made."""
    grid = api(clinic, "consultant", "GET", "booking", "/availability",
               params={"department_id": department_id, "days": 7}).json()
    days = {(e["id"], s["date"]): 0 for e in grid["experts"] for s in e["slots"]
            if s["state"] == "open" and s["date"] > grid["date"]}
    experts = {e["id"]: e for e in grid["experts"]}
    for expert_id, day in days:
        days[expert_id, day] = sum(s["remaining"] for s in experts[expert_id]["slots"]
                                   if s["date"] == day)
    expert_id, day = min(days, key=days.__getitem__)
    last = None
    for n, slot in enumerate(s for s in experts[expert_id]["slots"]
                             if s["date"] == day and s["state"] == "open"):
        for seat in range(slot["remaining"]):
            last = api(clinic, "consultant", "POST", "booking", "/appointments", json={
                "slot_id": slot["slot_id"], "channel": "phone",
                "patient": {"name": f"满员{n}-{seat}", "phone": f"1370001{n:02d}{seat:02d}"}})
            assert last.status_code == 201, last.text
    assert last is not None
    return {"expert": experts[expert_id], "date": day, "last": last.json()}


def test_a_waiting_patient_is_booked_when_another_cancels(clinic, browser, shots) -> None:
    full = fill_the_day(clinic, 2)
    page = sign_in(browser, clinic, "consultant")
    grid = show_department(page, full["last"]["department"]["name"])
    page.locator("#date").fill(full["date"])
    page.locator("#date").dispatch_event("change")
    page.locator(f'#grid[data-shows$="|{full["date"]}|1"]').wait_for()
    expert = grid.locator(f'[data-expert="{full["expert"]["id"]}"]')
    assert expert.locator(".slot.open, .slot.low").count() == 0, "the day is full"
    expert.locator(f'[data-waitlist="{full["expert"]["id"]}|{full["date"]}"]').click()
    form = page.locator("#wait-form")
    form.get_by_label("手机号").fill("139 8888 7777")
    form.get_by_label("患者姓名").fill("候补者")
    form.get_by_label("患者同意接收短信通知").check()
    form.get_by_role("button", name="加入候补").click()
    waiting = page.locator("#wait-list li", has_text="候补者")
    waiting.wait_for()
    assert "第 1 位" in waiting.inner_text() and "候补中" in waiting.inner_text()
    assert "13988887777" not in waiting.inner_text(), "masked in the list"
    page.screenshot(path=str(shots / "waitlist.png"), full_page=True)

    cancelled = api(clinic, "consultant", "POST", "booking",
                    f"/appointments/{full['last']['id']}/cancel", json={"reason": "patient"})
    assert cancelled.status_code == 200, cancelled.text
    assert wait_for(lambda: "已约上" in waiting.inner_text(), 20), "booked within seconds"
    found = api(clinic, "consultant", "GET", "booking", "/appointments",
                params={"q": "13988887777"}).json()
    assert [a["status"] for a in found] == ["booked"]
    assert wait_for(lambda: any("候补" in m["body"] for m in messages(clinic, found[0]["id"])
                                if m["channel"] == "sms"), 20), "the SMS says so"


def test_a_patient_moves_the_appointment_from_the_link_on_a_phone(clinic, browser,
                                                                  shots) -> None:
    booked = book_by_api(clinic, 3, {"name": "赵敏", "phone": "13633334444",
                                     "sms_consent": True})
    page = context_for(browser, viewport=PHONE, locale="zh-CN").new_page()
    page.goto(booked["patient_link"])
    places = page.locator(".places a")
    assert places.count() >= 1, "alternatives are offered"
    target = places.first.inner_text()
    places.first.click()
    page.get_by_role("button", name="确认改约").click()  # a move asks first
    page.wait_for_load_state()
    assert "已为您改约" in page.inner_text("body")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, "no sideways scrolling on a phone"
    page.screenshot(path=str(shots / "patient-moved.png"), full_page=True)
    page.reload()
    assert "已为您改约" in page.inner_text("body"), "a reload moves nothing again"
    moved = api(clinic, "consultant", "GET", "booking", f"/appointments/{booked['id']}").json()
    day = f"{int(moved['start'][5:7])}月{int(moved['start'][8:10])}日"
    assert day in target and moved["start"][11:16] in target, \
        "moved to the place the patient tapped"
    assert moved["id"] == booked["id"] and moved["code"] == booked["code"]


def test_leave_shows_the_patients_it_affects_before_it_is_kept(clinic, browser,
                                                               shots) -> None:
    with_sms = book_by_api(clinic, 1, {"name": "黄蓉", "phone": "13611112222",
                                       "sms_consent": True})
    without = api(clinic, "consultant", "POST", "booking", "/appointments", json={
        "slot_id": with_sms["slot_id"], "channel": "phone",
        "patient": {"name": "郭靖", "phone": "13611113333"}}).json()
    page = sign_in(browser, clinic, "admin")
    page.get_by_role("link", name="排班管理").click()
    page.wait_for_load_state("networkidle")
    page.locator("#week-expert").select_option(str(with_sms["expert"]["id"]))
    leave = page.locator("#leave-form")
    leave.get_by_label("日期").fill(with_sms["date"])
    leave.get_by_label("原因").fill("外出会诊")
    leave.get_by_role("button", name="查看影响").click()
    table = page.locator("#leave-patients")
    assert wait_for(lambda: "郭靖" in table.inner_text() and "黄蓉" in table.inner_text())
    assert "需电话通知" in table.locator("tr", has_text="郭靖").inner_text()
    assert "需电话通知" not in table.locator("tr", has_text="黄蓉").inner_text()
    page.screenshot(path=str(shots / "leave-preview.png"), full_page=True)
    before = api(clinic, "consultant", "GET", "booking", f"/appointments/{without['id']}")
    assert before.json()["status"] == "booked", "nothing cancelled before the confirmation"
    page.get_by_role("button", name="确认停诊").click()
    assert wait_for(lambda: "已停诊" in page.locator("#toast").inner_text())
    assert wait_for(lambda: api(clinic, "consultant", "GET", "booking",
                                f"/appointments/{without['id']}").json()["status"]
                    == "cancelled", 20)
    console = sign_in(browser, clinic, "consultant")
    grid = show_department(console, with_sms["department"]["name"])
    console.locator("#date").fill(with_sms["date"])
    console.locator("#date").dispatch_event("change")
    stopped = grid.locator(f'[data-slot="{with_sms["slot_id"]}"]')
    assert wait_for(lambda: stopped.count() and "停诊：外出会诊" in stopped.inner_text())
    day = console.locator(f'#strip [data-date="{with_sms["date"]}"]')
    assert wait_for(lambda: day.count() and "停诊" in day.inner_text()), \
        "the day in the strip: its one expert is away"


def test_the_week_shows_its_dates_and_counts_follow_other_desks(clinic, browser) -> None:
    page = sign_in(browser, clinic, "consultant")
    # The poll, as when the console's stream is down (the stream: test_console_push.py).
    page.context.route("**/api/v1/stream/**", lambda route: route.abort())
    page.reload()
    grid = show_department(page, "皮肤科")
    page.locator("#days").select_option("7")
    page.locator('#grid[data-shows$="|7"]').wait_for()
    headers = grid.locator(".day-group h4").all_inner_texts()
    assert headers and all(re.fullmatch(r"\d\d-\d\d 周.", h) for h in headers), headers
    button = grid.locator(".slot.open").first
    slot_id = button.get_attribute("data-slot")
    before = button.inner_text()
    booked = api(clinic, "frontdesk", "POST", "booking", "/appointments", json={
        "slot_id": int(slot_id), "channel": "phone",
        "patient": {"name": "别处来的", "phone": "13600009999"}})
    assert booked.status_code == 201, booked.text
    shown = grid.locator(f'.slot[data-slot="{slot_id}"]')
    assert wait_for(lambda: shown.inner_text() != before, 20), "the poll brings the new count"
    with page.expect_response(lambda r: "/availability/counts" in r.url, timeout=20000) as poll:
        pass
    assert poll.value.status == 304, "an unchanged grid answers 304, with no body"
    assert poll.value.request.headers.get("if-none-match")


def test_the_walk_in_list_follows_today_while_the_desk_views_another_day(clinic,
                                                                        browser) -> None:
    """The walk-in list offers today's slots whatever day the roster shows; it was read
    again only when the shown roster changed, so with tomorrow shown its counts went stale."""
    bookable_today(clinic, "消化内科")
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    department = department_named(clinic, "消化内科")
    grid = api(clinic, "frontdesk", "GET", "booking", "/availability",
               params={"department_id": department}).json()
    slot = next(s for e in grid["experts"] for s in e["slots"] if s["state"] == "open"
                and s["remaining"] > 1
                and datetime.fromisoformat(s["start"]) > now + timedelta(minutes=3))
    desk = sign_in(browser, clinic, "frontdesk")
    desk.locator("#department").select_option(label="消化内科")
    slot_id, before = slot["slot_id"], slot["remaining"]
    offered = desk.locator(f'#walkin-form option[value="{slot_id}"]')
    assert wait_for(lambda: f"余 {before}" in offered.inner_text())
    tomorrow = (now + timedelta(days=1)).date().isoformat()
    desk.locator("#date").fill(tomorrow)
    desk.locator("#date").dispatch_event("change")
    assert wait_for(lambda: desk.locator("#roster-date").inner_text() == tomorrow)
    booked = api(clinic, "consultant", "POST", "booking", "/appointments", json={
        "slot_id": slot_id, "channel": "phone",
        "patient": {"name": "另一位", "phone": "13600008888"}})
    assert booked.status_code == 201, booked.text
    assert wait_for(lambda: f"余 {before - 1}" in offered.inner_text(), 20), \
        offered.inner_text()
    assert desk.locator("#roster-date").inner_text() == tomorrow
