"""The pages read their words from the shared catalogue (issue 27, item 4): a refusal by
its code in Chinese, the API's detail in English, and the access log's stored English
(``followup export``) in the page's language."""

from __future__ import annotations

import pytest

from tests.support.pages import api, sign_in, wait_for

pytestmark = [pytest.mark.browser]

SAY = """async ([code, detail]) => {
  const { sayCode } = await import("/static/common/problems.js");
  return sayCode({ code, detail }, "fallback");
}"""
NOT_TODAY = ["not_today", "Patients check in on the day of their visit."]


def test_a_refusal_is_said_in_the_page_language_from_the_catalogue(clinic, browser) -> None:
    page = sign_in(browser, clinic, "frontdesk")
    assert page.url.endswith("/roster")
    assert page.evaluate(SAY, NOT_TODAY) == "只能在就诊当天办理"
    assert page.evaluate(SAY, ["brand_new", "This task is closed."]) == "This task is closed.", \
        "a code without words shows the detail rather than nothing"
    page.goto(f"{page.url}?lang=en")
    assert page.evaluate(SAY, NOT_TODAY) == NOT_TODAY[1]
    assert page.evaluate(SAY, ["not_today", ""]) == "This is done on the day of the visit only."


def test_the_access_log_shows_a_followup_export_in_chinese(clinic, browser) -> None:
    assert api(clinic, "admin", "GET", "followup", "/patients/1/export").status_code == 200
    page = sign_in(browser, clinic, "admin")
    page.goto(f"{clinic.urls['schedule']}/admin/privacy")
    form = page.locator("#log-form")
    form.get_by_label("患者 ID").fill("1")
    form.get_by_role("button", name="查看").click()
    assert wait_for(lambda: "回访服务的数据导出" in page.locator("#log").inner_text())
    assert "followup export" not in page.locator("#log").inner_text()
    assert "导出" in page.locator("#log").inner_text()
