"""Notify's plain rules: segments, keywords, quiet hours, reminders, calendar files, templates."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from jinja2 import UndefinedError

from services.notify.domain.calendar import Party, ics, uid
from services.notify.domain.consent import is_opt_out, refusal
from services.notify.domain.rendering import LANGUAGES, Renderer
from services.notify.domain.sms import encoding, segments
from services.notify.domain.timing import QuietHours, reminder_time
from tests.support.notify import facts, previous, told

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("text, expected", [
    ("", 0), ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3),
    ("{" * 80, 1), ("{" * 81, 2),
    ("预" * 70, 1), ("预" * 71, 2), ("预" * 134, 2), ("预" * 135, 3), ("预" * 201, 3),
    ("预" * 202, 4), ("a" * 69 + "预", 1), ("a" * 70 + "预", 2),
    ("😀" * 35, 1), ("😀" * 36, 2),
])
def test_segments_follow_gsm7_and_ucs2(text: str, expected: int) -> None:
    assert segments(text) == expected


def test_the_demo_hospitals_confirmation_fits_three_segments() -> None:
    """With the short link (35 characters under make run) the demo's longest
    confirmation — the longest department, expert and title — is three parts."""
    from services.common.contracts.booking import DepartmentRef, ExpertRef
    from services.schedule.ops.demo import DEMO_HOSPITAL, DEPARTMENTS, EXPERTS

    longest_department = max((d for d in DEPARTMENTS), key=lambda d: len(d[1] + d[2]))
    longest_expert = max(EXPERTS, key=lambda e: len(e[1] + e[2]))
    data = facts()
    data["patient"]["name"] = "欧阳小明"
    data.update(hospital={k: getattr(DEMO_HOSPITAL, k) for k in data["hospital"]},
                department=DepartmentRef(id=1, name=longest_department[1],
                                         location=longest_department[2]).__dict__,
                expert=ExpertRef(id=1, name=longest_expert[1], title=longest_expert[2],
                                 fee="100.00").__dict__,
                queue_number=25, patient_link="http://127.0.0.1:8002/p/Ab3dEf7hIj2")
    rendered = Renderer().render("confirmation", "sms", "zh-CN", told("booked", data))
    assert len(rendered.body) <= 201 and rendered.segments <= 3, (len(rendered.body),
                                                                   rendered.body)


def test_a_confirmation_from_the_waitlist_says_so() -> None:
    data = facts()
    plain = Renderer().render("confirmation", "sms", "zh-CN", told("booked", data)).body
    waited = Renderer().render("confirmation", "sms", "zh-CN", told(
        "booked", {**data, "from_waitlist": True})).body
    assert "候补" not in plain and "候补成功" in waited
    english = Renderer().render("confirmation", "email", "en", told(
        "booked", {**data, "from_waitlist": True})).body
    assert "waiting list" in english


def test_one_chinese_character_makes_the_whole_text_ucs2() -> None:
    assert encoding("Hello") == "GSM-7" and encoding("Hello 你好") == "UCS-2"


@pytest.mark.parametrize("reply", ["TD", "td", " TD ", "退订", "STOP", "stop!", "Stop。"])
def test_opt_out_keywords(reply: str) -> None:
    assert is_opt_out(reply)


@pytest.mark.parametrize("reply", ["", "OK", "谢谢", "TDX", "please stop calling me"])
def test_other_replies_are_not_opt_outs(reply: str) -> None:
    assert not is_opt_out(reply)


def test_refusal_names_the_reason() -> None:
    assert refusal("sms", True, "+86138", False) is None
    assert refusal("sms", False, "+86138", False) == "no sms consent"
    assert refusal("email", True, None, False) == "no email address"
    assert refusal("sms", True, "+86138", True) == "opted out"
    assert refusal("sms", True, "+862155550100", False, reachable=False) == "not a mobile number"


@pytest.mark.parametrize("local, allowed", [
    (time(20, 59), time(20, 59)), (time(21, 0), time(8, 0)), (time(23, 30), time(8, 0)),
    (time(3, 0), time(8, 0)), (time(8, 0), time(8, 0)), (time(12, 0), time(12, 0)),
])
def test_quiet_hours_hold_messages_until_they_end(local: time, allowed: time) -> None:
    quiet = QuietHours(time(21), time(8))
    moment = datetime(2026, 11, 23, local.hour, local.minute, tzinfo=SHANGHAI)
    result = quiet.next_allowed(moment.astimezone(UTC), SHANGHAI).astimezone(SHANGHAI)
    assert result.time() == allowed
    assert result >= moment


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def test_the_reminder_goes_the_day_before_at_the_hour_outside_quiet_hours() -> None:
    visit = local(25, 9).astimezone(UTC)
    booked = local(20, 15)
    at = reminder_time(visit, SHANGHAI, time(10), QuietHours(), booked)
    assert at is not None and at.astimezone(SHANGHAI) == local(24, 10)
    early = reminder_time(visit, SHANGHAI, time(7), QuietHours(), booked)
    assert early is not None and early.astimezone(SHANGHAI) == local(24, 8), \
        "a morning hour in quiet hours waits for them to end, the same day"


@pytest.mark.parametrize("visit_hour", [8, 9, 14])
def test_a_reminder_in_quiet_hours_moves_to_the_evening_before_not_into_the_visit(
        visit_hour: int) -> None:
    """Issue 27 item 11a: at 22:00 the reminder was moved to 08:00 of the visit's day,
    which for an 08:00 visit is the visit itself, and it was dropped."""
    visit = local(25, visit_hour).astimezone(UTC)
    at = reminder_time(visit, SHANGHAI, time(22), QuietHours(), local(20, 15))
    assert at is not None and at.astimezone(SHANGHAI) == local(24, 20)


@pytest.mark.parametrize("booked, reminded", [
    (local(20, 15), local(24, 10)),       # days before: the day before at 10:00
    (local(24, 9, 30), local(24, 20)),    # 10:00 is too close to the confirmation: evening
    (local(24, 11), local(24, 20)),       # 10:00 is past: the evening before
    (local(24, 19, 30), None),            # nothing allowed an hour on before the visit
    (local(24, 23), None),                # in quiet hours until the visit itself
    (local(25, 7), None),                 # the visit's own morning
])
def test_an_0800_visit_gets_one_reminder_at_an_allowed_time_when_there_is_one(
        booked: datetime, reminded: datetime | None) -> None:
    visit = local(25, 8).astimezone(UTC)
    at = reminder_time(visit, SHANGHAI, time(10), QuietHours(), booked.astimezone(UTC))
    assert (at.astimezone(SHANGHAI) if at else None) == reminded
    if at is not None:
        assert not QuietHours().contains(at.astimezone(SHANGHAI).time()) and at < visit


def test_the_evening_is_an_hour_before_the_quiet_hours_or_the_start_of_a_short_day() -> None:
    assert QuietHours().evening(local(24, 0).date(), SHANGHAI) == local(24, 20)
    short = QuietHours(time(8, 30), time(8, 0))  # allowed 08:00–08:30 only
    assert short.evening(local(24, 0).date(), SHANGHAI) == local(24, 8)


def test_invite_and_cancel_share_the_uid_and_name_organizer_and_attendee() -> None:
    start = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    now = datetime(2026, 11, 23, tzinfo=UTC)
    parties = {"organizer": Party("clinic@renhe.example", "仁和医院"),
               "attendee": Party("li@example.cn", "李雷"), "installation": "9f3a"}
    invite = Calendar.from_ical(ics(7, start, start, "消化内科", "仁和医院", "", sequence=0,
                                    now=now, **parties))
    cancel = Calendar.from_ical(ics(7, start, start, "消化内科", "仁和医院", "", sequence=1,
                                    cancel=True, now=now, **parties))
    assert invite["method"] == "REQUEST" and cancel["method"] == "CANCEL"
    [first] = invite.walk("VEVENT")
    [second] = cancel.walk("VEVENT")
    assert str(first["uid"]) == str(second["uid"]) == uid(7, "9f3a")
    assert uid(7, "9f3a") != uid(7, "0b21"), "another installation's 7 is another event"
    assert second["status"] == "CANCELLED" and int(second["sequence"]) == 1
    for event in (first, second):  # RFC 5546: REQUEST and CANCEL both need them
        assert str(event["organizer"]) == "mailto:clinic@renhe.example"
        assert event["organizer"].params["cn"] == "仁和医院"
        assert str(event["attendee"]) == "mailto:li@example.cn"
        assert event["attendee"].params["cn"] == "李雷"
        assert event["attendee"].params["role"] == "REQ-PARTICIPANT"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", ["confirmation", "cancellation", "reschedule", "reminder"])
@pytest.mark.parametrize("channel", ["sms", "email"])
def test_every_template_renders_true_facts(template, channel, language) -> None:
    kind = {"cancellation": "cancelled", "reschedule": "rescheduled"}.get(template, "booked")
    data = facts(cancellation={"reason": "expert_unavailable", "note": "", "by": "system",
                               "alternatives": [{"slot_id": 5, "expert_id": 4,
                                                 "expert_name": "李晓梅", "remaining": 1,
                                                 "start": "2026-12-01T01:00:00Z"}]},
                 previous=previous())
    rendered = Renderer().render(template, channel, language, told(kind, data))
    assert "K7QM4TZP" in rendered.body and "张伟" in rendered.body
    assert "None" not in rendered.body and "{{" not in rendered.body
    if channel == "sms":
        assert rendered.segments == segments(rendered.body) >= 1
        assert "+8613800138000" not in rendered.body
    else:
        assert rendered.subject and "\n" not in rendered.subject
    if template == "cancellation":
        assert "李晓梅" in rendered.body


def test_confirmation_says_what_the_patient_needs(tmp_path: Path) -> None:
    body = Renderer().render("confirmation", "sms", "zh-CN", told("booked", facts())).body
    for fact in ("仁和医院", "消化内科", "张伟", "11号", "K7QM4TZP", "示范路 100 号",
                 "http://127.0.0.1:8002/p/token"):
        assert fact in body


def test_a_hospital_override_wins(tmp_path: Path) -> None:
    """SMS texts are the hospital's registered templates (TEMPLATE_DIR/sms-templates.toml)."""
    from services.notify.domain.sms_templates import shipped_text
    own = shipped_text().replace("${name}您好，您已预约", "预约 ${code}，${name}您好，您已预约", 1)
    own = own.replace("就诊序号${number}号，预约码${code}", "就诊序号${number}号", 1)
    own = own.replace('"name", "when", "department", "expert", "number", "code", "address"',
                      '"code", "name", "when", "department", "expert", "number", "address"', 1)
    (tmp_path / "sms-templates.toml").write_text(own)
    body = Renderer(str(tmp_path)).render("confirmation", "sms", "zh-CN",
                                     told("booked", facts())).body
    assert body.startswith("【仁和医院】预约 K7QM4TZP，张三您好")


def test_a_template_naming_a_missing_fact_fails_instead_of_sending_a_blank(tmp_path) -> None:
    (tmp_path / "zh-CN").mkdir()
    (tmp_path / "zh-CN" / "confirmation.email.j2").write_text("{{ hospital.fax }}")
    with pytest.raises(UndefinedError):
        Renderer(str(tmp_path)).render("confirmation", "email", "zh-CN",
                                     told("booked", facts()))


# --- consent: the rules written out, not read from the code (issue 29 item 8) ------------------

def test_the_opt_out_keywords_are_the_three_of_the_spec() -> None:
    """SPEC §6 and docs/notify.md: ``TD``, ``退订``, ``STOP`` — no more, no fewer."""
    from services.notify.domain.consent import OPT_OUT_KEYWORDS

    assert {str(word) for word in OPT_OUT_KEYWORDS} == {"TD", "退订", "STOP"}


@pytest.mark.parametrize("reply", [
    "ＴＤ", "ｔｄ", "ＳＴＯＰ", "Ｔｄ！", "　退订　", "T D", "退 订。"])
def test_opt_outs_in_full_width_letters_or_spaced_out_count(reply: str) -> None:
    """A Chinese phone in full-width mode sends ``ＴＤ``: the patient said 退订 all the
    same (before the fix it was not an opt-out, and messages kept going)."""
    assert is_opt_out(reply)


@pytest.mark.parametrize("reply", ["T", "D", "TDD", "退", "订", "STO", "STOPP", "不要退订", None])
def test_near_misses_are_not_opt_outs(reply) -> None:
    assert not is_opt_out(reply)


@pytest.mark.parametrize("recipient", ["+8613800138000", "", None])
@pytest.mark.parametrize("reachable", [True, False])
@pytest.mark.parametrize("consented", [True, False])
@pytest.mark.parametrize("opted_out", [True, False])
def test_a_message_goes_only_with_an_address_a_mobile_consent_and_no_opt_out(
        recipient, reachable, consented, opted_out) -> None:
    """Every combination: it may go only when all four hold; otherwise the first missing
    one, in this order, is the reason logged with the suppressed message."""
    if not recipient:
        expected = "no sms address"
    elif not reachable:
        expected = "not a mobile number"
    elif not consented:
        expected = "no sms consent"
    elif opted_out:
        expected = "opted out"
    else:
        expected = None
    assert refusal("sms", consented, recipient, opted_out, reachable=reachable) == expected


def test_notifys_domain_reads_no_event_contracts() -> None:
    """Booking's events are read as notify's own values in ``services/notify/wire.py``
    only: the templates, the calendar and the timing rules never see the wire's classes."""
    import ast

    domain = Path(__file__).resolve().parents[2] / "services" / "notify" / "domain"
    for path in domain.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        names |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                  for alias in node.names}
        assert not {n for n in names if "contracts" in n}, path
