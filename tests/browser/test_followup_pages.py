"""The follow-up desk in the real pages: the enquiry form one click from the console,
the worklist, the call card, the console opened on an alternative slot with the patient
filled in, and the outcome buttons."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import ALWAYS, ANY_HOUR, ONE_WEB_PROCESS, Clinic, shared_clinic
from tests.support.pages import DESKTOP, PHONE, add_consultant, api, book_by_api, sign_in, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Clinic:
    """Calling hours all day long, so the test claims tasks whatever the hour it runs."""
    return shared_clinic(tmp_path_factory, **ANY_HOUR, **ALWAYS,
                         **ONE_WEB_PROCESS)


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
    assert wait_for(lambda: "周芷若" not in page.locator("#due_now").inner_text())

    english = page.context.new_page()
    english.goto(f"{clinic.urls['followup']}/worklist?lang=en")
    assert english.get_by_role("heading", name="Follow-up worklist").is_visible()


def test_a_manager_is_not_shown_the_worklist(clinic, browser) -> None:
    page = sign_in(browser, clinic, "manager", viewport=DESKTOP)
    assert page.get_by_role("link", name="回访", exact=True).count() == 0
    page.goto(f"{clinic.urls['followup']}/worklist")
    assert "没有权限" in page.inner_text("body")


def cancelled_patient(clinic, name: str, phone: str) -> dict:
    """A patient booked for tomorrow whose expert then goes on leave: a hospital
    cancellation task with alternatives opens for them."""
    booked = book_by_api(clinic, 2, {"name": name, "phone": phone})
    leave = api(clinic, "admin", "POST", "schedule", f"/experts/{booked['expert']['id']}/leave",
                json={"date": booked["date"], "reason": "学术会议"})
    assert leave.status_code == 201, leave.text
    # Booking hears of the leave through the bus: until it has, the next booking could
    # still pick one of the slots the leave cancels (409 slot_cancelled under load).
    assert wait_for(lambda: api(clinic, "consultant", "GET", "booking",
                                f"/appointments/{booked['id']}").json()["status"]
                    == "cancelled", 20), "booking cancelled the appointment for the leave"
    return booked


def worklist_row(page, clinic, name: str):
    page.goto(f"{clinic.urls['followup']}/worklist")
    row = page.locator("#due_now tr", has_text=name)
    assert wait_for(lambda: (page.reload() or True) and row.count() == 1, 20), name
    return row


def test_booking_from_the_call_card_logs_the_call_and_the_card_says_so_at_once(
        clinic, browser) -> None:
    """Issue 27: the booking made from the card is the successful call, in the
    consultant's (display) name; the card and the list say so without a reload; the
    consultant's own funnel row on the page counts it; focus lands on the card."""
    cancelled_patient(clinic, "杨过", "13912340021")
    page = sign_in(browser, clinic, "consultant")
    row = worklist_row(page, clinic, "杨过")
    row.get_by_role("button", name="领取").click()
    page.locator("#card-body").wait_for()
    assert page.evaluate("document.activeElement.id") == "card-phone", "focus on the card"
    form = page.locator("#call-form")
    form.get_by_role("button", name="约成").click()
    assert page.locator("#call-error").inner_text() == "请填写新预约的预约码。"
    form.get_by_label("新预约码").fill("ZZZZZZZZ")
    form.get_by_role("button", name="约成").click()
    error = page.locator("#call-error")
    assert wait_for(lambda: "不是这位患者在任务开始后的新预约" in error.inner_text())
    assert "appointment" not in page.locator("#card").inner_text()
    code_field = form.get_by_label("新预约码")
    assert page.evaluate("document.activeElement.name") == "appointment_code", \
        "the server's refusal puts the keyboard on the code, not on the button"
    assert code_field.get_attribute("aria-invalid") == "true"

    with page.context.expect_page() as opened:
        page.locator("#card-alternatives a").first.click()
    console = opened.value
    console.wait_for_load_state("networkidle")
    patient = console.locator("#patient-form")
    assert wait_for(lambda: patient.get_by_label("患者姓名").input_value() == "杨过")
    patient.get_by_role("button", name="确认预约").click()
    confirmation = console.locator("#confirmation")
    confirmation.wait_for()
    code = re.search(r"预约码：(\w{8})", confirmation.input_value()).group(1)
    console.close()

    state = page.locator("#card-state")
    assert wait_for(lambda: code in state.inner_text(), 20), "the card says so, no reload"
    assert "约成" in state.inner_text() and "陈晓雯" in state.inner_text()
    assert f"陈晓雯 · 约成 {code}" in page.locator("#card-calls").inner_text()
    assert not page.locator("#call-form").is_visible()
    assert "杨过" not in page.locator("#due_now").inner_text()
    # the closed card's places are what was offered then: no link to book, no old count
    places = page.locator("#card-alternatives")
    assert places.locator("a").count() == 0 and places.locator("li").count() >= 1
    assert "余" not in places.inner_text()
    assert page.locator("#card-alternatives-closed").is_visible()
    # the call that booked (约成) is not the enquiry funnel's step (转为预约)
    my_work = page.locator("#my-work")
    assert wait_for(lambda: re.search(r"约成 [1-9]", my_work.inner_text())), \
        my_work.inner_text()  # earlier tests in this module may have booked by call too
    assert "转为预约" in my_work.inner_text() and "已预约" not in my_work.inner_text()


def test_a_task_closed_by_a_booking_says_so_when_booked_is_pressed(clinic, browser) -> None:
    """The patient was booked elsewhere while the card was open: pressing 已预约 shows the
    task's state in Chinese, never the API's English; an error toast goes once a claim
    succeeds."""
    cancelled_patient(clinic, "小龙女", "13912340022")
    page = sign_in(browser, clinic, "consultant")
    row = worklist_row(page, clinic, "小龙女")
    page.route("**/api/v1/tasks/*/claim", lambda route: route.fulfill(
        status=409, content_type="application/problem+json",
        body='{"code": "claimed", "detail": "admin is calling this person now."}'))
    row.get_by_role("button", name="领取").click()
    toast = page.locator("#toast")
    assert wait_for(lambda: "另一位咨询员正在拨打这位患者" in toast.inner_text())
    page.unroute("**/api/v1/tasks/*/claim")
    row = page.locator("#due_now tr", has_text="小龙女")
    row.get_by_role("button", name="领取").click()
    page.locator("#card-body").wait_for()
    assert wait_for(lambda: "show" not in (toast.get_attribute("class") or "")), \
        "the error toast goes once the claim succeeds"

    page.route("**/api/v1/tasks", lambda route: route.abort())  # the list stands still
    task_id = page.locator("#due_now tr", has_text="小龙女").get_attribute("data-task")
    booked = book_by_api(clinic, 3, {"name": "小龙女", "phone": "13912340022"})
    # booked by the consultant holding the claim (the API client signs as them): the call
    # is logged in her name; the card still shows the form until the button is pressed
    assert wait_for(lambda: api(clinic, "consultant", "GET", "followup", f"/tasks/{task_id}")
                    .json()["status"] == "booked", 20)
    form = page.locator("#call-form")
    form.get_by_label("新预约码").fill(booked["code"])
    form.get_by_role("button", name="约成").click()
    state = page.locator("#card-state")
    assert wait_for(lambda: booked["code"] in state.inner_text())
    assert "约成" in state.inner_text()
    assert "This task is closed" not in page.inner_text("body")
    page.unroute("**/api/v1/tasks")


def test_staff_names_and_the_card_first_on_a_phone(clinic, browser) -> None:
    cancelled_patient(clinic, "郭靖", "13912340023")
    page = sign_in(browser, clinic, "consultant", viewport=PHONE)
    row = worklist_row(page, clinic, "郭靖")
    row.get_by_role("button", name="领取").click()
    page.locator("#card-body").wait_for()
    top = page.evaluate("document.getElementById('card').getBoundingClientRect().top")
    assert top < 200, f"the card starts {top} px down"
    add_consultant(clinic, "consultant2")
    second = sign_in(browser, clinic, "consultant2", password="second-pw")
    theirs = worklist_row(second, clinic, "郭靖")
    assert "拨打中：陈晓雯" in theirs.inner_text()


def test_the_enquiry_form_after_a_save_and_after_an_error(clinic, browser) -> None:
    page = sign_in(browser, clinic, "consultant", start=None)
    page.goto(f"{clinic.urls['followup']}/enquiry")
    form = page.locator("#enquiry-form")
    form.get_by_label("姓名").fill("黄蓉")
    form.get_by_label("手机号").fill("13722224444")
    form.get_by_role("button", name="保存").click()
    toast = page.locator("#toast")
    assert wait_for(lambda: "已保存" in toast.inner_text())
    assert page.evaluate("document.activeElement.name") == "name", "ready for the next one"
    form.get_by_label("姓名").fill("黄药师")
    form.get_by_label("手机号").fill("12345")
    form.get_by_role("button", name="保存").click()
    assert "手机号格式不对" in form.inner_text()
    assert "show" not in (toast.get_attribute("class") or ""), "no green toast beside the error"
    form.get_by_label("手机号").fill("13722225555")
    form.get_by_role("button", name="保存").click()
    assert wait_for(lambda: "已保存" in toast.inner_text()
                    and "show" in (toast.get_attribute("class") or ""))
    assert "手机号格式不对" not in form.inner_text()


def test_the_manager_sees_the_calls_and_each_consultant_in_the_funnel(clinic, browser) -> None:
    page = sign_in(browser, clinic, "manager", viewport=DESKTOP)
    assert page.url.endswith("/stats")
    table = page.locator("#funnel-people")
    assert wait_for(lambda: table.locator("tr").count() >= 1, 20)
    assert "回访拨打" in page.locator("#funnel-calls").inner_text()
    assert "按咨询员" in page.locator("#funnel-split").inner_text()
    assert "合计" in table.inner_text() or "没有咨询" in table.inner_text()


def test_a_card_closed_by_someone_elses_booking_spaces_the_code(clinic, browser) -> None:
    """The booking came from another consultant while this one held the claim: the card
    says 已因新预约 CODE 关闭, a space on both sides of the Latin code."""
    cancelled_patient(clinic, "尹志平", "13912340024")
    add_consultant(clinic, "consultant3")
    page = sign_in(browser, clinic, "consultant3", password="second-pw")
    row = worklist_row(page, clinic, "尹志平")
    row.get_by_role("button", name="领取").click()
    page.locator("#card-body").wait_for()
    booked = book_by_api(clinic, 3, {"name": "尹志平", "phone": "13912340024"})  # by 陈晓雯
    state = page.locator("#card-state")
    assert wait_for(lambda: booked["code"] in state.inner_text(), 20)
    assert f"已因新预约 {booked['code']} 关闭" in state.inner_text(), state.inner_text()
    assert page.locator("#card-alternatives a").count() == 0


def test_after_a_call_back_the_keyboard_goes_to_the_next_task(clinic, browser) -> None:
    cancelled_patient(clinic, "丘处机", "13912340025")
    cancelled_patient(clinic, "王处一", "13912340026")
    page = sign_in(browser, clinic, "consultant")
    row = worklist_row(page, clinic, "丘处机")
    assert wait_for(lambda: page.locator("#due_now tr", has_text="王处一").count() == 1, 20)
    row.get_by_role("button", name="领取").click()
    page.locator("#card-body").wait_for()
    later = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)
    form = page.locator("#call-form")
    form.get_by_label("约定回电时间").fill(later.strftime("%Y-%m-%dT10:00"))
    form.get_by_role("button", name="约定回电").click()
    assert wait_for(lambda: "已记录" in page.locator("#toast").inner_text())
    focused = ("document.activeElement.closest('tr[data-task]')?.innerText"
               " || document.activeElement.id")
    # The card's heading holds the keyboard while the list reloads (never <body>); then
    # the next task's button takes it.
    in_list = "document.activeElement.closest('#due_now, #overdue') !== null"
    assert wait_for(lambda: page.evaluate(in_list), 10), page.evaluate(focused)
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    assert "丘处机" not in page.evaluate(focused), "the next task, not the one called"


def test_the_worklist_at_phone_width(clinic, browser) -> None:
    """领取 stays one word at 390 px (not 领 / 取), and the hint is true at every width
    (the list is above the card on a phone, not on its left)."""
    cancelled_patient(clinic, "孙不二", "13912340027")
    page = sign_in(browser, clinic, "consultant", viewport=PHONE)
    row = worklist_row(page, clinic, "孙不二")
    claim = row.get_by_role("button", name="领取")
    lines = claim.evaluate("""(button) => {
        const range = document.createRange(); range.selectNodeContents(button);
        return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size; }""")
    assert lines == 1, f"领取 on {lines} lines"
    hint = page.locator("#card-hint").inner_text()
    assert "在列表中领取" in hint and "左侧" not in hint
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scroll"
