"""The follow-up desk in the real pages: the enquiry form one click from the console,
the worklist, the call card, the console opened on an alternative slot with the patient
filled in, and the outcome buttons."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.test_pages import DESKTOP, api, book_by_api, sign_in, wait_for
from tests.e2e.conftest import Clinic, launch_clinic
from tests.e2e.test_followup_desk import ALWAYS

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    """Calling hours all day long, so the test claims tasks whatever the hour it runs."""
    started = launch_clinic(tmp_path_factory.mktemp("clinic"), CUTOFF_MINUTES="-1440", **ALWAYS)
    try:
        started.wait_ready()
        yield started
    finally:
        started.stop()


def test_an_enquiry_from_the_console_turns_booked_when_the_patient_books(clinic, browser,
                                                                         shots) -> None:
    page = sign_in(browser, clinic, "consultant")
    assert page.url.endswith("/console")
    page.get_by_role("link", name="患者没有预约？记录咨询").click()
    page.wait_for_url(f"{clinic.urls['followup']}/enquiry")
    form = page.locator("#enquiry-form")
    form.get_by_role("button", name="保存").click()
    assert "请填写姓名" in form.inner_text(), "inline validation before sending"
    form.get_by_label("姓名").fill("陈小春")
    form.get_by_label("手机号").fill("12345")
    form.get_by_role("button", name="保存").click()
    assert "手机号格式不对" in form.inner_text()
    form.get_by_label("手机号").fill("137 2222 3333")
    form.get_by_label("渠道").select_option(label="微信")
    form.get_by_label("科室（可选）").select_option(label="消化内科")
    form.get_by_label("咨询内容").fill("胃镜要不要空腹")
    form.get_by_label("患者同意我们回电（不同意就不会回访）").check()
    form.get_by_role("button", name="保存").click()
    row = page.locator("#recent tr", has_text="陈小春")
    row.wait_for()
    assert "未预约" in row.inner_text() and "3333" in row.inner_text()
    assert "13722223333" not in row.inner_text(), "masked in the list"
    page.screenshot(path=str(shots / "enquiry.png"), full_page=True)
    book_by_api(clinic, 3, {"name": "陈小春", "phone": "13722223333"})
    assert wait_for(lambda: "已预约" in row.inner_text(), 20), "converted within seconds"


def test_the_worklist_card_and_the_console_on_an_alternative(clinic, browser, shots) -> None:
    first = book_by_api(clinic, 2, {"name": "周芷若", "phone": "13912340001",
                                    "sms_consent": True})
    second = book_by_api(clinic, 2, {"name": "张无忌", "phone": "13912340002"})
    assert first["slot_id"] == second["slot_id"]
    leave = api(clinic, "admin", "POST", "schedule", f"/experts/{first['expert']['id']}/leave",
                json={"date": first["date"], "reason": "学术会议"})
    assert leave.status_code == 201, leave.text

    page = sign_in(browser, clinic, "consultant")
    page.get_by_role("link", name="回访", exact=True).click()
    page.wait_for_url(f"{clinic.urls['followup']}/worklist")
    rows = page.locator("#due_now tr")
    assert wait_for(lambda: (page.reload() or True) and rows.count() >= 2, 20)
    assert "张无忌" in rows.nth(0).inner_text() and "短信未送达" in rows.nth(0).inner_text()
    assert "周芷若" in rows.nth(1).inner_text()
    assert "13912340002" not in page.locator("#due_now").inner_text()

    rows.nth(0).get_by_role("button", name="领取").click()
    card = page.locator("#card-body")
    card.wait_for()
    assert page.locator("#card-phone").inner_text() == "+8613912340002"
    facts = card.inner_text()
    assert "示范路" in facts or "地址" in facts
    assert "专家停诊" in facts and "患者没有收到停诊短信" in facts
    alternatives = page.locator("#card-alternatives a")
    assert alternatives.count() >= 1
    page.screenshot(path=str(shots / "worklist.png"), full_page=True)

    with page.context.expect_page() as opened:
        alternatives.first.click()
    console = opened.value
    console.wait_for_load_state("networkidle")
    form = console.locator("#patient-form")
    form.wait_for()
    assert wait_for(lambda: form.get_by_label("患者姓名").input_value() == "张无忌")
    assert form.get_by_label("手机号").input_value() == "+8613912340002"
    assert "为回访患者预约：张无忌" in console.locator("#for-task").inner_text()
    assert console.locator("#countdown").is_visible(), "the offered slot is held"
    console.screenshot(path=str(shots / "console-from-task.png"), full_page=True)
    form.get_by_role("button", name="确认预约").click()
    console.locator("#confirmation").wait_for()
    assert wait_for(lambda: (page.reload() or True)
                    and "张无忌" not in page.locator("#due_now").inner_text(), 20), \
        "the booking closed the task"

    row = page.locator("#due_now tr", has_text="周芷若")
    row.get_by_role("button", name="领取").click()
    page.locator("#card-body").wait_for()
    page.get_by_role("button", name="无人接听").click()
    assert wait_for(lambda: "已记录" in page.locator("#toast").inner_text())
    row = page.locator("#due_now tr", has_text="周芷若")
    assert wait_for(lambda: "1/3" in row.inner_text())
    row.get_by_role("button", name="领取").click()
    page.locator("#card-body").wait_for()
    assert "无人接听" in page.locator("#card-calls").inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="勿再来电").click()
    assert wait_for(lambda: "勿再来电" in page.locator("#toast").inner_text())
    assert "周芷若" not in page.locator("#due_now").inner_text()

    english = page.context.new_page()
    english.goto(f"{clinic.urls['followup']}/worklist?lang=en")
    assert english.get_by_role("heading", name="Follow-up worklist").is_visible()


def test_a_manager_is_not_shown_the_worklist(clinic, browser) -> None:
    page = sign_in(browser, clinic, "manager", viewport=DESKTOP)
    assert page.get_by_role("link", name="回访", exact=True).count() == 0
    page.goto(f"{clinic.urls['followup']}/worklist")
    assert "没有权限" in page.inner_text("body")
