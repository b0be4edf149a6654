"""What the renderer says to the patient, as plain Python: each value a template or a
registered SMS may name, the SMS kind chosen for a visit, the renderer's defaults, its
override folder and its start-up check.

Written for the mutants `make mutate` found surviving (docs/mutation.md).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.common.config import ConfigError
from services.common.hospital import Hospital
from services.notify.domain.rendering import (
    NO_DEPARTMENT,
    NO_HOSPITAL,
    SMS_KINDS,
    Renderer,
    context,
    reason_text,
    sms_kind,
    sms_values,
    when,
)
from services.notify.domain.sms_templates import Filled, parse, shipped_text
from services.notify.domain.visit import (
    Cancellation,
    Department,
    Expert,
    Happened,
    Offer,
    Patient,
    Visit,
)

ZONE = "Asia/Shanghai"
START = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # Tuesday 09:00 in Shanghai
HOSPITAL = Hospital(name="仁和医院", address="示范路 100 号", directions="地铁 2 号线",
                    phone="021-5555 0100", time_zone=ZONE)
EXPERT = Expert(id=3, name="张伟", title="主任医师", fee="100.00")
DEPARTMENT = Department(id=2, name="消化内科", location="门诊楼 3 楼 B 区")
LINK = "http://127.0.0.1:8002/p/token"
VISIT = Visit(
    happened=Happened.BOOKED, appointment_id=7, code="K7QM4TZP", status="booked",
    queue_number=11, start=START, end=START + timedelta(minutes=30), time_zone=ZONE,
    expert=EXPERT, department=DEPARTMENT,
    patient=Patient(id=507, name="张三", phone="+8613800138000", mobile=True, email=None,
                    sms_consent=True, email_consent=False),
    hospital=HOSPITAL, link=LINK)
#: Places offered instead (UTC; 10:30 and 14:00 on Wednesday, 08:00 on Thursday there).
OFFERS = (Offer(slot_id=5, expert_name="李晓梅", start=datetime(2026, 11, 25, 2, 30, tzinfo=UTC)),
          Offer(slot_id=6, expert_name="王芳", start=datetime(2026, 11, 25, 6, 0, tzinfo=UTC)),
          Offer(slot_id=9, expert_name="赵敏", start=datetime(2026, 11, 26, 0, 0, tzinfo=UTC)))


def cancelled(reason: str, note: str | None = None, offers: tuple[Offer, ...] = ()) -> Visit:
    return replace(VISIT, happened=Happened.CANCELLED, status="cancelled",
                   cancellation=Cancellation(reason=reason, note=note, offers=offers))


# -- reason_text ----------------------------------------------------------------------


def test_a_reason_without_words_says_nothing_rather_than_none() -> None:
    assert reason_text("something_new", "", "en") == ""
    assert reason_text("something_new", "a note", "zh-CN") == ""
    assert reason_text("expert_unavailable", "学术会议", "zh-CN") == "学术会议"
    assert reason_text("expert_unavailable", "conference", "en") == \
        "the doctor is unavailable: conference"


def test_each_stock_reason_in_each_language() -> None:
    assert reason_text("patient", "", "zh-CN") == "应您的要求"
    assert reason_text("patient", "", "en") == "at your request"
    assert reason_text("hospital", "", "zh-CN") == "医院安排调整"
    assert reason_text("hospital", "", "en") == "a change at the hospital"
    assert reason_text("expert_unavailable", "", "zh-CN") == "医生停诊"
    assert reason_text("expert_unavailable", "", "en") == "the doctor is unavailable"


def test_only_a_leave_takes_its_note_as_the_reason() -> None:
    """The note of a cancellation the patient or the hospital asked for is not its reason."""
    assert reason_text("patient", "改天再来", "zh-CN") == "应您的要求"
    assert reason_text("hospital", "equipment", "en") == "a change at the hospital"


# -- when -----------------------------------------------------------------------------


def test_a_moment_reads_in_the_language_asked() -> None:
    moment = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert when(moment, "zh-CN") == "11月24日（周二）09:00"
    assert when(moment, "en") == "Tue 24 Nov 09:00"


def test_every_weekday_and_a_two_digit_month() -> None:
    zone = ZoneInfo(ZONE)
    days = [datetime(2026, 12, 7 + n, 18, 5, tzinfo=zone) for n in range(7)]  # Mon … Sun
    assert [when(d, "zh-CN") for d in days] == [
        f"12月{7 + n}日（周{w}）18:05" for n, w in enumerate("一二三四五六日")]
    assert [when(d, "en") for d in days] == [
        f"{w} {7 + n} Dec 18:05"
        for n, w in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))]


# -- sms_kind -------------------------------------------------------------------------


def test_the_sms_kind_of_each_visit() -> None:
    assert sms_kind("confirmation", VISIT) == "confirmation"
    assert sms_kind("confirmation", replace(VISIT, from_waitlist=True)) == "waitlist"
    assert sms_kind("reminder", VISIT) == "reminder"
    assert sms_kind("reminder", replace(VISIT, from_waitlist=True)) == "reminder"
    assert sms_kind("reschedule", VISIT) == "reschedule"
    assert sms_kind("cancellation", cancelled("patient")) == "cancellation"
    assert sms_kind("cancellation", cancelled("something_new")) == "cancellation"
    assert sms_kind("cancellation", cancelled("hospital")) == "cancellation_hospital"
    assert sms_kind("cancellation", cancelled("expert_unavailable")) == "cancellation_hospital"
    assert sms_kind("cancellation", cancelled("patient", offers=OFFERS[:1])) == \
        "cancellation_offers"
    assert sms_kind("cancellation", cancelled("hospital", offers=OFFERS[:1])) == \
        "cancellation_offers"


def test_a_cancellation_without_its_facts_and_a_cancelled_visit_reminded() -> None:
    assert sms_kind("cancellation", VISIT) == "cancellation"
    # Only the cancellation template turns into the hospital's or the offers' kind.
    assert sms_kind("reminder", cancelled("hospital", offers=OFFERS)) == "reminder"
    assert sms_kind("reschedule", cancelled("expert_unavailable")) == "reschedule"


def test_every_kind_an_sms_is_sent_for() -> None:
    assert SMS_KINDS == ("confirmation", "waitlist", "reminder", "cancellation",
                         "cancellation_hospital", "cancellation_offers", "reschedule")


# -- context --------------------------------------------------------------------------


BOOKED_ZH = {
    "hospital": HOSPITAL, "department": DEPARTMENT, "expert": EXPERT, "patient_name": "张三",
    "when": "11月24日（周二）09:00", "time": "09:00", "end": "09:30", "queue_number": 11,
    "code": "K7QM4TZP", "link": LINK, "reason_text": "", "note": "", "by_hospital": False,
    "alternatives": [], "previous_when": "", "from_waitlist": False}


def test_the_context_of_a_booked_visit_in_hospital_time() -> None:
    assert context(VISIT, "zh-CN") == BOOKED_ZH
    assert context(replace(VISIT, from_waitlist=True), "en") == {
        **BOOKED_ZH, "when": "Tue 24 Nov 09:00", "from_waitlist": True}


def test_the_context_without_a_hospital_or_a_department() -> None:
    told = context(replace(VISIT, hospital=None, department=None), "zh-CN")
    assert told == {**BOOKED_ZH, "hospital": NO_HOSPITAL, "department": NO_DEPARTMENT}
    assert NO_HOSPITAL == {"name": "", "address": "", "directions": "", "phone": ""}
    assert NO_DEPARTMENT == {"name": "", "location": ""}


def test_the_context_of_a_moved_visit_says_where_it_was() -> None:
    moved = replace(VISIT, happened=Happened.RESCHEDULED,
                    previous_start=datetime(2026, 11, 23, 7, 15, tzinfo=UTC))
    assert context(moved, "zh-CN") == {**BOOKED_ZH, "previous_when": "11月23日（周一）15:15"}
    assert context(moved, "en")["previous_when"] == "Mon 23 Nov 15:15"


def test_the_context_of_a_leave_with_a_note_and_places_offered() -> None:
    told = context(cancelled("expert_unavailable", "  学术会议 ", OFFERS[:2]), "zh-CN")
    assert told == {
        **BOOKED_ZH, "reason_text": "学术会议", "note": "学术会议", "by_hospital": True,
        "alternatives": [
            {"expert_name": "李晓梅", "slot_id": 5, "when": "11月25日（周三）10:30"},
            {"expert_name": "王芳", "slot_id": 6, "when": "11月25日（周三）14:00"}]}
    en = context(cancelled("expert_unavailable", "conference", OFFERS[2:]), "en")
    assert (en["reason_text"], en["note"], en["by_hospital"]) == (
        "the doctor is unavailable: conference", "conference", True)
    assert en["alternatives"] == [
        {"expert_name": "赵敏", "slot_id": 9, "when": "Thu 26 Nov 08:00"}]


def test_the_context_of_a_cancellation_without_a_note() -> None:
    told = context(cancelled("patient", None), "en")
    assert told == {**BOOKED_ZH, "when": "Tue 24 Nov 09:00", "reason_text": "at your request"}
    hospital = context(cancelled("hospital", "   "), "zh-CN")
    assert (hospital["reason_text"], hospital["note"], hospital["by_hospital"]) == (
        "医院安排调整", "", True)
    patient = context(cancelled("patient", "改天"), "zh-CN")
    assert (patient["reason_text"], patient["note"], patient["by_hospital"]) == (
        "应您的要求", "改天", False)


# -- sms_values -----------------------------------------------------------------------


BOOKED_VALUES_ZH = {
    "name": "张三", "when": "11月24日（周二）09:00", "time": "09:00", "previous_when": "",
    "department": "消化内科", "expert": "张伟主任医师", "number": "11", "code": "K7QM4TZP",
    "address": "示范路 100 号", "directions": "地铁 2 号线", "phone": "021-5555 0100",
    "reason": "", "offer": ""}


def test_the_sms_values_of_a_booked_visit() -> None:
    assert sms_values(VISIT, "zh-CN") == BOOKED_VALUES_ZH
    assert sms_values(VISIT, "en") == {
        **BOOKED_VALUES_ZH, "when": "Tue 24 Nov 09:00", "expert": "主任医师 张伟"}


def test_the_sms_values_without_a_hospital_a_department_or_a_title() -> None:
    bare = replace(VISIT, hospital=None, department=None,
                   expert=replace(EXPERT, name="Li Wei", title=""))
    assert sms_values(bare, "en") == {
        **BOOKED_VALUES_ZH, "when": "Tue 24 Nov 09:00", "department": "", "expert": "Li Wei",
        "address": "", "directions": "", "phone": ""}
    assert sms_values(bare, "zh-CN")["expert"] == "Li Wei"


def test_the_sms_values_of_a_moved_visit() -> None:
    moved = replace(VISIT, previous_start=datetime(2026, 11, 23, 7, 15, tzinfo=UTC))
    assert sms_values(moved, "zh-CN")["previous_when"] == "11月23日（周一）15:15"


def test_the_first_place_offered_and_how_many_more() -> None:
    one = cancelled("expert_unavailable", "", OFFERS[:1])
    assert sms_values(one, "zh-CN") == {
        **BOOKED_VALUES_ZH, "reason": "医生停诊", "offer": "11月25日（周三）10:30 李晓梅"}
    assert sms_values(one, "en")["offer"] == "Wed 25 Nov 10:30 李晓梅"
    two = cancelled("expert_unavailable", "", OFFERS[:2])
    assert sms_values(two, "zh-CN")["offer"] == "11月25日（周三）10:30 李晓梅等2个"
    assert sms_values(two, "en")["offer"] == "Wed 25 Nov 10:30 李晓梅 and 1 more"
    three = cancelled("hospital", "", OFFERS)
    assert sms_values(three, "zh-CN")["offer"] == "11月25日（周三）10:30 李晓梅等3个"
    assert sms_values(three, "en")["offer"] == "Wed 25 Nov 10:30 李晓梅 and 2 more"
    assert sms_values(three, "en")["reason"] == "a change at the hospital"


# -- Renderer: defaults ---------------------------------------------------------------


def test_a_renderer_answers_in_a_language_it_has_else_its_own() -> None:
    renderer = Renderer(default_language="zh-CN")
    assert renderer.language("en") == "en"
    assert renderer.language("zh-CN") == "zh-CN"
    assert renderer.language("fr") == "zh-CN" and renderer.language(None) == "zh-CN"
    assert Renderer(default_language="en").language("fr") == "en"


def test_a_renderer_s_own_language_is_chinese_unless_told() -> None:
    renderer = Renderer()
    assert renderer.default_language == "zh-CN"
    assert renderer.language("fr") == "zh-CN" and renderer.language(None) == "zh-CN"
    # A language without templates falls back to the renderer's own templates.
    fallback = renderer.render("confirmation", "email", "fr", VISIT)
    chinese = renderer.render("confirmation", "email", "zh-CN", VISIT)
    assert fallback.body == chinese.body.replace("11月24日（周二）", "Tue 24 Nov ")
    assert fallback.subject == "【仁和医院】预约成功：Tue 24 Nov 09:00 消化内科 张伟"


def test_a_renderer_without_a_provider_fills_the_outbox_s_plain_text() -> None:
    rendered = Renderer().render("confirmation", "sms", "en", VISIT)
    assert rendered.sms is not None
    assert (rendered.sms.provider, rendered.sms.code, rendered.sms.sign_name) == (
        "outbox", None, "仁和医院")
    assert rendered.sms.stored()["provider"] == "outbox"


def test_a_renderer_without_a_folder_reads_nothing_from_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "zh-CN").mkdir()
    (tmp_path / "zh-CN" / "confirmation.email.j2").write_text("not ours", encoding="utf-8")
    (tmp_path / "zh-CN" / "reminder.sms.j2").write_text("an old SMS text", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    renderer = Renderer()
    assert renderer.override_dir == ""
    body = renderer.render("confirmation", "email", "zh-CN", VISIT).body
    assert body.startswith("张三您好：\n\n您已成功预约，信息如下：")
    renderer.check()  # no folder of its own: nothing there is an old SMS template


# -- Renderer.render ------------------------------------------------------------------


def test_an_email_in_english_exactly() -> None:
    rendered = Renderer().render("confirmation", "email", "en", VISIT)
    assert rendered.subject == "仁和医院: booked for Tue 24 Nov 09:00 with 张伟"
    assert rendered.body == (
        "Dear 张三,\n\nYour appointment is booked.\n\nHospital: 仁和医院\n"
        "Department: 消化内科 (门诊楼 3 楼 B 区)\nDoctor: 张伟 主任医师\n"
        "Time: Tue 24 Nov 09:00–09:30\nQueue number: 11\nCode: K7QM4TZP\n\n"
        "Address: 示范路 100 号\nDirections: 地铁 2 号线\nPhone: 021-5555 0100\n\n"
        "Please check in at registration with your code on the day. A calendar invitation "
        "is attached.\nTo move or cancel: http://127.0.0.1:8002/p/token")
    assert (rendered.segments, rendered.sms) == (0, None)


def test_an_email_in_chinese_with_its_subject_on_one_line() -> None:
    rendered = Renderer().render("reminder", "email", "zh-CN", VISIT)
    assert rendered.subject == "【仁和医院】就诊提醒：明天 09:00 张伟"
    assert rendered.body.startswith(
        "张三您好：\n\n提醒您明天就诊：\n时间：11月24日（周二）09:00–09:30\n")
    assert rendered.body.endswith("如不能前来，请打开：http://127.0.0.1:8002/p/token")


def test_an_email_says_what_the_patient_typed_as_it_is() -> None:
    """No HTML escaping: a message is plain text."""
    named = replace(VISIT, patient=replace(VISIT.patient, name="O'Brien & <Sons>"))
    rendered = Renderer().render("confirmation", "email", "en", named)
    assert rendered.body.startswith("Dear O'Brien & <Sons>,\n")


def test_an_override_folder_wins_and_the_rest_stays_shipped(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "confirmation.email.subject.j2").write_text(
        "  Booked:\n {{ code }}\n\n  {{ when }}  \n", encoding="utf-8")
    renderer = Renderer(str(tmp_path))
    assert renderer.override_dir == str(tmp_path)
    rendered = renderer.render("confirmation", "email", "en", VISIT)
    assert rendered.subject == "Booked: K7QM4TZP Tue 24 Nov 09:00"
    assert rendered.body.startswith("Dear 张三,\n\nYour appointment is booked.")


def test_another_channel_has_its_body_and_no_subject(tmp_path: Path) -> None:
    (tmp_path / "zh-CN").mkdir()
    (tmp_path / "zh-CN" / "confirmation.wechat.j2").write_text(
        "\n {{ patient_name }}：{{ when }} {{ code }}\n\n", encoding="utf-8")
    (tmp_path / "zh-CN" / "confirmation.wechat.subject.j2").write_text("X", encoding="utf-8")
    rendered = Renderer(str(tmp_path)).render("confirmation", "wechat", "zh-CN", VISIT)
    assert rendered == type(rendered)("", "张三：11月24日（周二）09:00 K7QM4TZP", 0)


def test_an_included_part_keeps_no_newline_of_its_own(tmp_path: Path) -> None:
    """A hospital's template may include a shared part: its last newline is not said."""
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "sign.j2").write_text("{{ hospital.name }}\n", encoding="utf-8")
    (tmp_path / "en" / "confirmation.email.j2").write_text(
        "Booked, {{ code }}. [{% include 'en/sign.j2' %}]\n", encoding="utf-8")
    rendered = Renderer(str(tmp_path)).render("confirmation", "email", "en", VISIT)
    assert rendered.body == "Booked, K7QM4TZP. [仁和医院]"


def test_a_template_naming_a_fact_the_event_lacks_fails_loudly(tmp_path: Path) -> None:
    from jinja2 import UndefinedError

    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "confirmation.email.j2").write_text("{{ fax }}", encoding="utf-8")
    with pytest.raises(UndefinedError):
        Renderer(str(tmp_path)).render("confirmation", "email", "en", VISIT)


# -- Renderer.render_sms --------------------------------------------------------------


def test_an_sms_is_the_registered_text_filled_exactly() -> None:
    rendered = Renderer(provider="aliyun", sign_name="仁和").render(
        "confirmation", "sms", "en", VISIT)
    body = ("【仁和】张三, you are booked with 主任医师 张伟 (消化内科) on Tue 24 Nov 09:00, "
            "number 11, code K7QM4TZP. Address: 示范路 100 号. To move or cancel: "
            "http://127.0.0.1:8002/p/token")
    assert rendered.subject == "" and rendered.body == body
    assert rendered.segments == 3
    assert rendered.sms == Filled(
        "confirmation", body, 3,
        (("name", "张三"), ("expert", "主任医师 张伟"), ("department", "消化内科"),
         ("when", "Tue 24 Nov 09:00"), ("number", "11"), ("code", "K7QM4TZP"),
         ("address", "示范路 100 号"), ("token", "token")),
        "仁和", "aliyun", "SMS_480010002")


def test_an_sms_kind_and_language_reach_the_registered_text() -> None:
    rendered = Renderer(provider="tencent", sign_name="仁和").render(
        "cancellation", "sms", "zh-CN", cancelled("expert_unavailable", "学术会议"))
    assert rendered.body == (
        "【仁和】张三您好，您11月24日（周二）09:00，消化内科，张伟主任医师的预约（K7QM4TZP）已取消，"
        "原因：学术会议。如需重新预约请致电021-5555 0100。")
    assert rendered.sms is not None
    assert (rendered.sms.kind, rendered.sms.code) == ("cancellation_hospital", "2480009")


def test_an_sms_is_signed_with_the_hospital_s_name_without_a_registered_one() -> None:
    rendered = Renderer().render("reminder", "sms", "zh-CN", VISIT)
    assert rendered.body.startswith("【仁和医院】提醒：张三您好，您明天09:00在消化内科就诊")
    assert rendered.sms is not None and rendered.sms.sign_name == "仁和医院"
    registry = parse('[reminder.en]\ntext = "See you at ${time}, ${name}."\n', "own")
    unsigned = Renderer(registry=registry).render("reminder", "sms", "en",
                                                  replace(VISIT, hospital=None))
    assert unsigned.body == "See you at 09:00, 张三."
    assert unsigned.sms is not None and unsigned.sms.sign_name == ""


def test_an_sms_through_a_link_outside_the_registered_address_in_development() -> None:
    rendered = Renderer().render("confirmation", "sms", "en",
                                 replace(VISIT, link="https://elsewhere.example/p/abc"))
    assert rendered.body.endswith("To move or cancel: https://elsewhere.example/p/abc")


def test_a_renderer_takes_the_registry_it_is_given() -> None:
    registry = parse('[reminder.en]\ntext = "See you at ${time}, ${name}."\n', "own")
    rendered = Renderer(registry=registry, sign_name="R").render("reminder", "sms", "en", VISIT)
    assert rendered.body == "【R】See you at 09:00, 张三."


# -- Renderer.check -------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["outbox", "aliyun", "tencent"])
def test_the_shipped_set_passes_the_check_outside_production(provider: str) -> None:
    Renderer(provider=provider, sign_name="仁和医院").check()
    Renderer(provider=provider, sign_name="仁和医院").check(production=False)


def test_production_refuses_the_shipped_demo_codes() -> None:
    with pytest.raises(ConfigError, match="demo's template codes"):
        Renderer(provider="tencent", sign_name="仁和医院").check(True)


def test_the_check_looks_at_every_kind_this_renderer_sends(tmp_path: Path) -> None:
    text = shipped_text()
    start = text.index("[cancellation_offers.zh-CN]")
    end = text.index("[reschedule.zh-CN]")
    (tmp_path / "sms-templates.toml").write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(ConfigError, match="SMS template cancellation_offers zh-CN: missing"):
        Renderer(str(tmp_path)).check()


def test_the_check_names_the_provider_it_checks_for(tmp_path: Path) -> None:
    (tmp_path / "sms-templates.toml").write_text(
        shipped_text().replace('tencent = "2480013"\n', "", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match="reschedule zh-CN: no tencent template code"):
        Renderer(str(tmp_path), provider="tencent", sign_name="仁和医院").check()
    Renderer(str(tmp_path), provider="aliyun", sign_name="仁和医院").check()


def test_the_check_counts_the_registered_signature(tmp_path: Path) -> None:
    """A signature of 400 characters leaves no room in 500 for the longest fixed text."""
    Renderer(sign_name="仁" * 300).check()
    with pytest.raises(ConfigError, match="fixed text with its signature"):
        Renderer(sign_name="仁" * 400).check()


def test_an_old_sms_template_in_the_folder_stops_start_up(tmp_path: Path) -> None:
    for language in ("zh-CN", "en"):
        (tmp_path / language).mkdir()
    (tmp_path / "zh-CN" / "reminder.sms.j2").write_text("x", encoding="utf-8")
    (tmp_path / "en" / "confirmation.sms.j2").write_text("x", encoding="utf-8")
    (tmp_path / "en" / "confirmation.email.j2").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"TEMPLATE_DIR has en/confirmation\.sms\.j2, "
                                          r"zh-CN/reminder\.sms\.j2: SMS texts are"):
        Renderer(str(tmp_path)).check()


def test_a_folder_without_old_sms_templates_passes(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "confirmation.email.j2").write_text("x", encoding="utf-8")
    Renderer(str(tmp_path)).check()
