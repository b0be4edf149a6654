"""Each person's job in the real pages, in headless Chromium."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.support.pages import (
    DESKTOP,
    PHONE,
    add_consultant,
    book_by_api,
    bookable_today,
    context_for,
    remaining,
    show_department,
    sign_in,
    wait_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
def test_consultants_book_and_the_front_desk_checks_in(clinic, browser, shots) -> None:
    bookable_today(clinic, "儿科")
    desk = sign_in(browser, clinic, "frontdesk")
    assert desk.url.endswith("/roster")
    first = sign_in(browser, clinic, "consultant")
    assert first.url.endswith("/console")
    slot = show_department(first, "儿科").locator(".slot.open, .slot.low").first
    slot.wait_for()
    slot_id = slot.get_attribute("data-slot")

    add_consultant(clinic, "li2")
    second = sign_in(browser, clinic, "li2", "second-pw")
    show_department(second, "儿科").locator(f'.slot[data-slot="{slot_id}"]').wait_for()
    before = remaining(second, slot_id)

    today = first.locator("#strip .day[aria-current=date] small")
    strip_before = int(re.search(r"\d+", today.inner_text()).group(0))
    offered = desk.locator(f'#walkin-form option[value="{slot_id}"]')
    assert f"余 {before}" in offered.inner_text()

    slot.click()
    countdown = first.locator("#countdown")
    countdown.wait_for()
    assert re.fullmatch(r"[45]:\d\d", countdown.inner_text())
    assert wait_for(lambda: remaining(second, slot_id) == before - 1), "the hold shows at once"

    form = first.locator("#patient-form")
    form.get_by_label("手机号").fill("12345")
    form.get_by_role("button", name="确认预约").click()
    assert "手机号格式不对" in form.inner_text(), "inline validation before sending"
    form.get_by_label("患者姓名").fill("王小明")
    form.get_by_label("手机号").fill("139 1234 5678")
    form.get_by_label("患者同意接收短信通知").check()
    form.get_by_role("button", name="确认预约").click()
    confirmation = first.locator("#confirmation")
    confirmation.wait_for()
    text = confirmation.input_value()
    code = re.search(r"预约码：(\w{8})", text).group(1)
    assert "儿科" in text and "号" in text
    first.screenshot(path=str(shots / "console.png"), full_page=True)
    assert wait_for(lambda: remaining(second, slot_id) == before - 1)
    assert wait_for(lambda: today.inner_text() == f"余 {strip_before - 1}"), "the strip too"

    row = desk.locator(f'tr[data-code="{code}"]')
    row.wait_for(timeout=15000)  # appears without a reload
    assert wait_for(lambda: f"余 {before - 1}" in offered.inner_text()), "the walk-in's count"
    row.get_by_role("button", name="报到").click()
    assert wait_for(lambda: "已报到" in row.inner_text())
    desk.screenshot(path=str(shots / "roster.png"), full_page=True)


def test_a_full_slot_says_what_happened(clinic, browser) -> None:
    bookable_today(clinic, "儿科")
    page = sign_in(browser, clinic, "consultant")
    show_department(page, "儿科").locator(".slot.open, .slot.low").first.wait_for()
    full = page.locator(".slot.full")
    if full.count() == 0:
        token = clinic.token("consultant")
        slot_id = int(page.locator(".slot.open, .slot.low").first.get_attribute("data-slot"))
        for n in range(5):
            requests.post(f"{clinic.urls['booking']}/api/v1/appointments", timeout=10,
                          headers={"Authorization": f"Bearer {token}"},
                          json={"slot_id": slot_id, "channel": "phone",
                                "patient": {"name": f"满{n}", "phone": f"1370000{n:04d}"}})
        assert wait_for(lambda: page.locator(f'.slot.full[data-slot="{slot_id}"]').count() == 1)
        full = page.locator(f'.slot.full[data-slot="{slot_id}"]')
    assert full.first.get_attribute("aria-disabled") == "true"
    assert "约满" in full.first.inner_text()


def test_an_admin_adds_a_template_and_publishes(clinic, browser, shots) -> None:
    page = sign_in(browser, clinic, "admin")
    assert page.url.endswith("/admin")
    page.select_option("#week-expert", label="王建国 · 心内科")
    template = page.locator("#template-form")
    template.get_by_label("星期").select_option(label="周日")
    template.get_by_label("开始").fill("13:00")
    template.get_by_label("结束").fill("14:00")
    template.get_by_role("button", name="添加模板").click()
    assert wait_for(lambda: "周日" in page.locator("#templates").inner_text())
    page.get_by_role("button", name="发布未来排班").click()
    assert wait_for(lambda: "已发布" in page.locator("#toast").inner_text())
    assert wait_for(lambda: "13:00–13:30" in page.locator("#week").inner_text())
    page.screenshot(path=str(shots / "admin.png"), full_page=True)


def test_a_patient_cancels_through_the_link(clinic, browser, shots) -> None:
    headers = {"Authorization": f"Bearer {clinic.token('consultant')}"}
    tomorrow = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date()
    found = requests.get(f"{clinic.urls['booking']}/api/v1/availability?department_id=2"
                         f"&date={tomorrow}&days=7", headers=headers, timeout=10).json()
    slot = next(s for e in found["experts"] for s in e["slots"] if s["remaining"])
    booked = requests.post(f"{clinic.urls['booking']}/api/v1/appointments", headers=headers,
                           timeout=10, json={"slot_id": slot["slot_id"], "channel": "phone",
                                             "patient": {"name": "李雷", "phone": "13612345678"}})
    link = booked.json()["patient_link"]
    page = context_for(browser, viewport=PHONE).new_page()
    page.goto(link)
    assert booked.json()["code"] in page.inner_text("body")
    assert "13612345678" not in page.content()
    page.screenshot(path=str(shots / "patient-link.png"), full_page=True)
    page.get_by_role("link", name="取消预约").click()
    page.get_by_role("heading", name="确定取消这次预约吗？").wait_for()
    page.get_by_role("button", name="确认取消").click()
    page.wait_for_load_state()
    assert "您的预约已取消" in page.inner_text("body")
    assert not page.get_by_role("link", name="取消预约").count(), "nothing left to cancel"


def test_signed_out_staff_are_sent_to_sign_in_and_back(clinic, browser, shots) -> None:
    page = context_for(browser, viewport=DESKTOP).new_page()
    page.goto(f"{clinic.urls['booking']}/roster")
    assert page.url.startswith(f"{clinic.urls['schedule']}/login")
    page.screenshot(path=str(shots / "login.png"))
    page.get_by_label("用户名").fill("frontdesk")
    page.get_by_label("密码").fill("demo")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{clinic.urls['booking']}/roster*")
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Roster").is_visible()
    consultant_only = page.context.new_page()
    consultant_only.goto(f"{clinic.urls['schedule']}/admin")
    assert "Not allowed" in consultant_only.inner_text("body")


def test_pages_fit_a_phone_and_the_outbox_shows_messages(clinic, browser, shots) -> None:
    page = sign_in(browser, clinic, "consultant", viewport=PHONE)
    show_department(page, "儿科").locator(".slot").first.wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, "no sideways scrolling on a phone"
    page.screenshot(path=str(shots / "console-phone.png"), full_page=True)
    page = sign_in(browser, clinic, "admin", viewport=PHONE)  # the outbox is an admin's page
    page.goto(f"{clinic.urls['notify']}/outbox")
    assert wait_for(lambda: (page.reload() or True) and "短信" in page.inner_text("body"), 20)
    page.screenshot(path=str(shots / "outbox.png"))


def test_a_returning_patient_fills_the_form_and_a_landline_is_named(clinic, browser,
                                                                    shots) -> None:
    bookable_today(clinic, "心内科")
    earlier = book_by_api(clinic, 4, {"name": "韩梅梅", "phone": "13711112222",
                                      "email": "meimei@example.cn", "email_consent": True})
    page = sign_in(browser, clinic, "consultant")
    show_department(page, "心内科").locator(".slot.open, .slot.low").first.click()
    form = page.locator("#patient-form")
    form.get_by_label("手机号").fill("０２１-5555 0100")  # full-width digits, a landline
    form.get_by_label("手机号").blur()
    assert wait_for(lambda: "这不是手机号码" in page.locator("#phone-note").inner_text())
    form.get_by_label("手机号").fill("(+86)137 1111 2222")
    form.get_by_label("手机号").blur()
    page.locator("#returning-list").get_by_role("button", name="韩梅梅").click()
    assert wait_for(lambda: form.get_by_label("邮箱（可选）").input_value()
                    == "meimei@example.cn")
    assert form.get_by_label("患者姓名").input_value() == "韩梅梅"
    assert "老患者" in page.locator("#chosen").inner_text()
    assert page.locator("#phone-note").inner_text() == ""
    page.screenshot(path=str(shots / "console-returning.png"), full_page=True)
    form.get_by_role("button", name="确认预约").click()
    page.locator("#confirmation").wait_for()
    record = requests.get(f"{clinic.urls['booking']}/api/v1/patients/"
                          f"{earlier['patient']['id']}", timeout=10, headers={
                              "Authorization": f"Bearer {clinic.token('consultant')}"}).json()
    assert len(record["appointments"]) == 2, "booked as the same patient, by id"


def test_an_admin_exports_and_erases_a_patients_data(clinic, browser, shots) -> None:
    booked = book_by_api(clinic, 3, {"name": "李华", "phone": "13622223333",
                                     "sms_consent": True})
    page = sign_in(browser, clinic, "admin")
    page.get_by_role("link", name="患者数据").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#find-form").get_by_label("手机号").count() == 0, \
        "an admin never searches by phone (SPEC §11)"
    page.locator("#find-form").get_by_label("姓名").fill("李华")
    page.locator("#find-form").get_by_role("button", name="查找").click()
    row = page.locator("#found tr", has_text="李华")
    assert "13622223333" not in row.inner_text(), "the admin sees the phone masked"
    row.get_by_role("button", name="选择").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="导出全部数据").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert '"booking"' in exported and '"notify"' in exported and '"followup"' in exported
    assert "13622223333" in exported
    page.locator("#erase-form").get_by_label("删除原因（如：本人来函）").fill("本人来电要求删除")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#erase-form").get_by_role("button", name="删除该患者的个人数据").click()
    assert wait_for(lambda: "已删除" in page.locator("#toast").inner_text())
    assert wait_for(lambda: "删除" in page.locator("#log").inner_text()
                    and "导出" in page.locator("#log").inner_text())
    services = page.locator("#log td:nth-child(5)").all_inner_texts()
    assert "预约服务" in services and not {"booking", "notify", "followup"} & set(services), \
        services
    page.screenshot(path=str(shots / "admin-privacy.png"), full_page=True)
    headers = {"Authorization": f"Bearer {clinic.token('consultant')}"}
    gone = requests.get(f"{clinic.urls['booking']}/api/v1/patients/{booked['patient']['id']}",
                        headers=headers, timeout=10)
    assert gone.status_code == 404
