"""The follow-up desk at the source practice's depth (SPEC §15, issue 33) in the real
pages: the call card's call timer and a dropped call's redial."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from services.followup.ops.demo import DEMO_ANSWERS
from tests.e2e.conftest import ALWAYS, ANY_HOUR, ONE_WEB_PROCESS, Clinic, launch_clinic
from tests.support.pages import DESKTOP, PHONE, api, book_by_api, sign_in, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    """Calling hours all day long, so the test claims tasks whatever the hour it runs. A
    clinic of its own: shared with test_followup_pages.py, the hospital's cancellations
    left its department no bookable place in the week (a fresh-clone run, 2026-12-07)."""
    started = launch_clinic(tmp_path_factory.mktemp("clinic"), **ANY_HOUR, **ALWAYS,
                            **ONE_WEB_PROCESS)
    try:
        started.wait_ready()
        yield started
    finally:
        started.stop()


def cancelled_by_the_hospital(clinic: Clinic, name: str, phone: str) -> None:
    """A patient whose visit the hospital cancelled: a task due at once."""
    booked = book_by_api(clinic, 2, {"name": name, "phone": phone})
    leave = api(clinic, "admin", "POST", "schedule", f"/experts/{booked['expert']['id']}/leave",
                json={"date": booked["date"], "reason": "学术会议"})
    assert leave.status_code == 201, leave.text


def claim(page, name: str):
    page.goto(page.url.split("?")[0] if "/worklist" in page.url else page.url)
    row = page.locator("#due_now tr", has_text=name)
    assert wait_for(lambda: (page.reload() or True) and row.count() == 1, 20)
    row.get_by_role("button", name="领取").click()
    page.locator("#card-body").wait_for()
    return page.locator("#card-body")


def test_the_call_button_starts_a_timer_the_outcome_ends_it_and_a_drop_allows_a_redial(
        clinic, browser, shots) -> None:
    cancelled_by_the_hospital(clinic, "欧阳锋", "13912345601")
    page = sign_in(browser, clinic, "consultant")
    page.goto(f"{clinic.urls['followup']}/worklist")
    claim(page, "欧阳锋")
    timer = page.locator("#card-timer")
    assert not timer.is_visible(), "no call yet: no timer"
    page.get_by_role("button", name="开始通话").click()
    assert wait_for(lambda: timer.is_visible() and timer.inner_text() >= "0:02", 10), \
        "the timer counts up from the press"
    assert page.evaluate("document.activeElement.dataset.outcome") == "no_answer", \
        "the pressed button hid: the keyboard goes on to the first outcome"
    page.screenshot(path=str(shots / "call-timer.png"), full_page=True)
    page.get_by_role("button", name="通话中断").click()
    redial = page.locator("#card-redial")
    assert wait_for(redial.is_visible), "a dropped call offers the one redial"
    assert not timer.is_visible(), "the drop ended the call"
    calls = page.locator("#card-calls").inner_text()
    assert "通话中断" in calls and re.search(r"通话 0:0[2-9]", calls), calls
    assert "0/3" in page.locator("#due_now tr", has_text="欧阳锋").inner_text(), \
        "a drop is no attempt yet"
    page.get_by_role("button", name="开始通话").click()
    assert wait_for(lambda: timer.is_visible() and timer.inner_text() >= "0:01", 10)
    page.get_by_role("button", name="无人接听").click()
    assert wait_for(lambda: "已记录" in page.locator("#toast").inner_text())
    row = page.locator("#due_now tr", has_text="欧阳锋")  # no spacing in this clinic
    assert wait_for(lambda: row.count() == 1 and "1/3" in row.inner_text()), \
        "the drop and its unanswered redial: one attempt"

    small = sign_in(browser, clinic, "consultant", viewport=PHONE)
    small.goto(f"{clinic.urls['followup']}/worklist")
    claim(small, "欧阳锋")
    assert small.get_by_role("button", name="开始通话").is_visible()
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the card fits a phone"
    small.screenshot(path=str(shots / "call-card-phone.png"), full_page=True)

    english = sign_in(browser, clinic, "consultant", viewport=DESKTOP)
    english.goto(f"{clinic.urls['followup']}/worklist?lang=en")
    english.locator("#due_now tr", has_text="欧阳锋").get_by_role("button", name="Open").click()
    english.locator("#card-body").wait_for()
    assert english.get_by_role("button", name="Start the call").is_visible()
    said = english.locator("#card-greeting").inner_text()
    assert said.startswith("Hello, this is") and said.endswith("Is now a good time to talk?")
    english.screenshot(path=str(shots / "call-card-en.png"), full_page=True)


def test_a_declined_call_says_what_the_person_said_and_the_card_answers_with_facts(
        clinic, browser, shots) -> None:
    cancelled_by_the_hospital(clinic, "黄药师", "13912345602")
    page = sign_in(browser, clinic, "consultant")
    page.goto(f"{clinic.urls['followup']}/worklist")
    card = claim(page, "黄药师")
    said = page.locator("#card-greeting").inner_text()
    assert said.startswith("您好，我是仁和医院的陈晓雯。") and "停诊" in said, said
    assert said.endswith("请问您现在方便说几句吗？"), said
    assert "约成后，向患者复述" in page.locator("#card-repeat-box").inner_text()
    page.get_by_role("button", name="不需要").click()
    assert wait_for(lambda: "请先选择患者的顾虑" in page.locator("#call-error").inner_text())
    assert page.evaluate("document.activeElement.id") == "objection"
    assert not page.locator("#card-answers-box").is_visible()
    card.get_by_label("患者的顾虑（选“不需要”时必填）").select_option(label="价格")
    answers = page.locator("#card-answers")
    assert wait_for(lambda: "挂号费" in answers.inner_text() and "¥" in answers.inner_text())
    card.get_by_label("患者的顾虑（选“不需要”时必填）").select_option(label="路远")
    assert wait_for(lambda: "路线" in answers.inner_text() and "挂号费" not in answers.inner_text())
    page.screenshot(path=str(shots / "objection.png"), full_page=True)
    page.get_by_role("button", name="不需要").click()
    assert wait_for(lambda: "已记录" in page.locator("#toast").inner_text())


def test_a_claimed_task_goes_back_to_the_list_with_a_note(clinic, browser, shots) -> None:
    cancelled_by_the_hospital(clinic, "洪七公", "13912345603")
    page = sign_in(browser, clinic, "consultant")
    page.goto(f"{clinic.urls['followup']}/worklist")
    card = claim(page, "洪七公")
    card.locator("#handover-box summary").click()
    page.get_by_role("button", name="放回列表").click()
    assert wait_for(lambda: "请写转交备注" in page.locator("#handover-error").inner_text())
    card.get_by_label("转交备注（必填：下一位需要知道的情况）").fill("患者白天上班，晚上再打")
    page.screenshot(path=str(shots / "handover.png"), full_page=True)
    page.get_by_role("button", name="放回列表").click()
    assert wait_for(lambda: "已放回列表" in page.locator("#toast").inner_text())
    claim(page, "洪七公")
    assert wait_for(lambda: "患者白天上班" in page.locator("#card-handovers").inner_text())


def test_shared_answers_are_searched_and_copied_on_their_page_and_the_call_card(
        clinic, browser, shots) -> None:
    insurance = "门诊可以使用上海医保卡，异地医保需先备案。"
    demo = api(clinic, "admin", "GET", "followup", "/answers").json()
    assert len(demo) == len(DEMO_ANSWERS), "clinic-run's demo has the shared answers"
    for answer in demo:  # this test's own answers only, from here on
        assert api(clinic, "admin", "DELETE", "followup", f"/answers/{answer['id']}").ok
    page = sign_in(browser, clinic, "consultant")
    page.goto(f"{clinic.urls['followup']}/answers")
    assert wait_for(lambda: "还没有统一回答口径" in page.locator("#answers").inner_text()), \
        "nothing searched and nothing there: an empty state, not 'nothing found'"
    for topic, question, answer in [
            ("insurance", "能用医保吗？", insurance),
            ("parking", "有停车场吗？", "地下车库 B2，就诊当天前 2 小时免费。"),
            ("online_limits", "能在网上开药吗？", "网上不能诊断，也不能开药，请到院就诊。")]:
        made = api(clinic, "admin", "POST", "followup", "/answers",
                   json={"topic": topic, "question": question, "answer": answer})
        assert made.status_code == 201, made.text
    page = sign_in(browser, clinic, "consultant")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                   origin=clinic.urls["followup"])
    page.goto(f"{clinic.urls['followup']}/answers")
    items = page.locator("#answers li.answer")
    assert wait_for(lambda: items.count() == 3)
    page.get_by_label("搜索回答").fill("医保")
    assert wait_for(lambda: items.count() == 1 and "能用医保吗" in items.first.inner_text())
    assert "最近复核" in items.first.inner_text()
    assert page.locator("#answer-form").count() == 0, "a consultant does not edit"
    items.first.get_by_role("button", name="复制").click()
    assert wait_for(lambda: page.evaluate("navigator.clipboard.readText()") == insurance)
    page.get_by_label("搜索回答").fill("网上 停车")
    assert wait_for(lambda: "没有找到" in page.locator("#answers").inner_text())
    page.get_by_label("搜索回答").fill("开药")
    page.screenshot(path=str(shots / "answers.png"), full_page=True)

    cancelled_by_the_hospital(clinic, "郭靖", "13912345604")
    page.goto(f"{clinic.urls['followup']}/worklist")
    card = claim(page, "郭靖")
    card.locator("#card-answers-search summary").click()
    card.get_by_label("搜索回答").fill("停车")
    found = page.locator("#card-answer-list li.answer")
    assert wait_for(lambda: found.count() == 1 and "B2" in found.first.inner_text())
    found.first.get_by_role("button", name="复制").click()
    assert wait_for(lambda: "B2" in page.evaluate("navigator.clipboard.readText()"))
    card.get_by_label("患者的顾虑（选“不需要”时必填）").select_option(label="价格")
    assert wait_for(lambda: insurance in page.locator("#card-answers").inner_text()), \
        "医保 answers a price objection"

    small = sign_in(browser, clinic, "admin", viewport=PHONE)
    small.goto(f"{clinic.urls['followup']}/answers")
    assert wait_for(lambda: small.locator("#answers li.answer").count() == 3)
    assert small.locator("#answer-form").is_visible()
    small.screenshot(path=str(shots / "answers-phone.png"), full_page=True)


def test_a_complaint_is_recorded_resolved_closed_and_counted_by_department(
        clinic, browser, shots) -> None:
    page = sign_in(browser, clinic, "consultant")
    page.goto(f"{clinic.urls['followup']}/complaints")
    form = page.locator("#complaint-form")
    form.get_by_label("来源").select_option(label="前台")
    form.get_by_role("button", name="保存").click()
    error = page.locator("#complaint-error")
    assert wait_for(lambda: "请填写患者姓名和手机号" in error.inner_text())
    named = form.get_by_label("患者姓名")
    assert page.evaluate("document.activeElement.name") == "patient_name", "focus on the field"
    assert named.get_attribute("aria-invalid") == "true"
    assert named.get_attribute("aria-describedby") == "complaint-error"
    form.get_by_label("患者姓名").fill("杨过")
    form.get_by_label("手机号").fill("13912345605")
    form.get_by_label("涉及科室").select_option(label="消化内科")
    experts = form.get_by_label("涉及专家（可选）").locator("option")
    assert wait_for(lambda: experts.count() > 1), "the department's experts to choose from"
    form.get_by_label("涉及专家（可选）").select_option(index=1)
    form.get_by_label("患者不满意什么").fill("候诊两小时没有人解释")
    form.get_by_role("button", name="保存").click()
    assert wait_for(lambda: "请写明患者希望怎样处理" in error.inner_text())
    assert named.get_attribute("aria-invalid") is None, "the name is given now"
    form.get_by_label("患者希望怎样处理").fill("希望以后提前告知等候时间")
    form.get_by_role("button", name="保存").click()
    row = page.locator("#complaints tr", has_text="杨过")
    assert wait_for(lambda: row.count() == 1 and "消化内科" in row.inner_text())
    assert "13912345605" not in row.inner_text() and "候诊" not in row.inner_text(), \
        "the list masks the phone and shows no free text"
    detail = page.locator("#detail")
    detail.get_by_label("处理结果").fill("已与候诊区沟通，增加叫号提示")
    detail.get_by_role("button", name="记录处理结果").click()
    assert wait_for(lambda: detail.get_by_role("button", name="已回电，结案").is_visible())
    assert page.evaluate("document.activeElement.id") == "detail-title", "not <body>"
    page.screenshot(path=str(shots / "complaint.png"), full_page=True)
    detail.get_by_label("回电告知后患者的反馈").fill("患者表示理解")
    detail.get_by_role("button", name="已回电，结案").click()
    assert wait_for(lambda: "已结案" in page.locator("#detail-facts").inner_text())
    assert page.evaluate("document.activeElement.id") == "detail-title"

    manager = sign_in(browser, clinic, "manager", viewport=PHONE)
    manager.goto(f"{clinic.urls['followup']}/complaints")
    summary = manager.locator("#summary tr", has_text="消化内科")
    assert wait_for(lambda: summary.count() == 1)
    assert manager.locator("#complaint-form").count() == 0
    departments = api(clinic, "consultant", "GET", "followup", "/directory").json()
    (department_id,) = [d["id"] for d in departments if d["name"] == "消化内科"]
    made = api(clinic, "consultant", "POST", "followup", "/complaints", json={
        "source": "call", "patient_name": "小龙女", "phone": "13912345606", "what": "电话没人接",
        "wish": "希望回电", "department_id": department_id})
    assert made.status_code == 201, made.text
    manager.reload()
    row = manager.locator("#complaints tr", has_text="小龙女")
    assert wait_for(lambda: row.count() == 1)
    row.get_by_role("button", name="查看").click()
    assign = manager.locator("#assign-form")
    assert wait_for(assign.is_visible), "a manager may give the complaint to another"
    owner = assign.get_by_label("负责人")
    assert owner.locator("option").count() >= 1
    later = (date.fromisoformat(made.json()["due_on"]) + timedelta(days=4)).isoformat()
    assign.get_by_label("截止日期").fill(later)
    assign.get_by_role("button", name="更改负责人或截止日期").click()
    assert wait_for(lambda: later in manager.locator("#detail-facts").inner_text())
    assert manager.evaluate("document.activeElement.id") == "detail-title"
    manager.screenshot(path=str(shots / "complaints-manager.png"), full_page=True)
