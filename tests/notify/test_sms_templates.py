"""The registered SMS templates (SPEC §12): every kind and language fills, the shipped set
passes the start-up check, a broken file stops start-up naming the culprit, a value over
the vendor's limit is shortened or fails as docs/notify.md says, segments count the
signature, and a message claimed again hands over the same template call."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from services.common.config import ConfigError
from services.common.db import utcnow
from services.notify.config import NotifySettings
from services.notify.domain.rendering import SMS_KINDS, Renderer, sms_kind
from services.notify.domain.sms import segments
from services.notify.domain.sms_templates import (
    LANGUAGES,
    Unfillable,
    parse,
    shipped_text,
)
from services.notify.ops.composing import check_sms_templates
from services.notify.ops.sending import Sender
from services.notify.providers import Outgoing, Providers
from tests.support.notify import HOSPITAL, event, facts, previous, told

OFFER = {"slot_id": 5, "expert_id": 4, "expert_name": "李晓梅", "remaining": 1,
         "start": "2026-12-01T01:00:00Z"}
#: One visit per registered kind: (the event, its data's extras).
CASES = {
    "confirmation": ("booked", {}),
    "waitlist": ("booked", {"from_waitlist": True}),
    "reminder": ("booked", {}),
    "cancellation": ("cancelled", {"cancellation": {"reason": "patient", "note": None,
                                                    "by": "patient", "alternatives": []}}),
    "cancellation_hospital": ("cancelled", {"cancellation": {
        "reason": "expert_unavailable", "note": "外出义诊", "by": "system", "alternatives": []}}),
    "cancellation_offers": ("cancelled", {"cancellation": {
        "reason": "expert_unavailable", "note": "", "by": "system", "alternatives": [OFFER]}}),
    "reschedule": ("rescheduled", {"previous": previous()}),
}
TEMPLATE_OF = {"waitlist": "confirmation", "cancellation_hospital": "cancellation",
               "cancellation_offers": "cancellation"}


def visit_for(kind: str, **hospital: str):
    happened, extra = CASES[kind]
    data = facts(**extra)
    data["hospital"] = {**data["hospital"], **hospital}
    return told(happened, data)


def test_every_kind_notify_sends_has_a_case_here() -> None:
    assert set(CASES) == set(SMS_KINDS)


@pytest.mark.parametrize("provider", ["outbox", "aliyun", "tencent"])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", SMS_KINDS)
def test_each_kind_and_language_fills_its_registered_text(kind, language, provider) -> None:
    visit = visit_for(kind)
    template = TEMPLATE_OF.get(kind, kind)
    assert sms_kind(template, visit) == kind
    rendered = Renderer(provider=provider, sign_name="仁和医院").render(
        template, "sms", language, visit)
    call = rendered.sms
    assert call is not None and call.kind == kind
    assert rendered.body.startswith("【仁和医院】") and "${" not in rendered.body
    assert "K7QM4TZP" in rendered.body and "张三" in rendered.body
    assert rendered.segments == segments(rendered.body), "counted with the signature"
    if provider == "outbox":
        assert call.code is None
    else:
        assert call.code and call.code.startswith("SMS_" if provider == "aliyun" else "24")
    # What the vendor fills from the call is exactly the text the log shows.
    registered = parse(shipped_text(), "shipped").get(kind, language)
    text = registered.text.replace("${token}", dict(call.params).get("token", "${token}"))
    for name, value in call.params:
        text = text.replace("${" + name + "}", value)
    assert "【仁和医院】" + text == rendered.body


def test_the_sms_says_the_facts_the_old_texts_said() -> None:
    body = Renderer().render("confirmation", "sms", "zh-CN", visit_for("confirmation")).body
    for fact in ("【仁和医院】", "消化内科", "张伟主任医师", "11号", "K7QM4TZP", "示范路 100 号",
                 "地铁 2 号线", "http://127.0.0.1:8002/p/token"):
        assert fact in body, fact
    offered = Renderer().render("cancellation", "sms", "zh-CN", visit_for("cancellation_offers"))
    assert "原因：医生停诊" in offered.body and "李晓梅" in offered.body
    assert "改约请点：http://127.0.0.1:8002/p/token" in offered.body


@pytest.mark.parametrize("provider", ["outbox", "http", "aliyun", "tencent"])
def test_the_shipped_set_passes_the_start_up_check(provider) -> None:
    Renderer(provider=provider, sign_name="仁和医院").check()
    check_sms_templates(NotifySettings(sms_provider=provider, sms_sign_name="仁和医院"))


def test_production_refuses_the_demo_codes_of_the_shipped_set() -> None:
    with pytest.raises(ConfigError, match="demo's template codes"):
        Renderer(provider="aliyun", sign_name="仁和医院").check(production=True)


def own_file(tmp_path: Path, old: str, new: str) -> str:
    text = shipped_text()
    assert old in text
    (tmp_path / "sms-templates.toml").write_text(text.replace(old, new, 1))
    return str(tmp_path)


def test_an_unknown_variable_stops_start_up_naming_it(tmp_path) -> None:
    folder = own_file(tmp_path, "${name}您好，您已预约", "${fax}您好，您已预约")
    own = Path(folder) / "sms-templates.toml"
    own.write_text(own.read_text().replace(
        'variables = ["name", "when"', 'variables = ["fax", "when"', 1))
    with pytest.raises(ConfigError, match="confirmation zh-CN: unknown variable fax"):
        Renderer(folder).check()


def test_a_missing_code_stops_start_up_for_that_provider_only(tmp_path) -> None:
    folder = own_file(tmp_path, 'aliyun = "SMS_480010005"\n', "")
    with pytest.raises(ConfigError, match="reminder zh-CN: no aliyun template code"):
        Renderer(folder, provider="aliyun").check()
    Renderer(folder, provider="tencent").check()


def test_a_missing_language_stops_start_up(tmp_path) -> None:
    text = shipped_text()
    start = text.index("[reschedule.en]")
    (tmp_path / "sms-templates.toml").write_text(text[:start])
    with pytest.raises(ConfigError, match="reschedule en: missing"):
        Renderer(str(tmp_path)).check()


def test_an_over_long_fixed_text_stops_start_up(tmp_path) -> None:
    folder = own_file(tmp_path, "请提前到挂号处报到。", "请提前到挂号处报到。" + "请" * 500)
    with pytest.raises(ConfigError, match=r"reminder zh-CN: the fixed text .* over the 500"):
        Renderer(folder).check()


def test_a_variable_format_over_the_vendors_limit_stops_start_up(tmp_path) -> None:
    """Tencent's documented default is 6 characters a variable: a date does not fit."""
    folder = own_file(tmp_path, "[limits.tencent]\nvariable = 35\n", "")
    with pytest.raises(ConfigError, match="confirmation zh-CN: variable when takes up to 16"):
        Renderer(folder, provider="tencent").check()


def test_the_variables_list_must_be_the_texts(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"\[confirmation.en\]: variables"):
        parse(shipped_text().replace('"name", "expert", "department", "when"',
                                     '"expert", "name", "department", "when"', 1), "own")


def test_a_long_department_is_shortened_with_an_ellipsis() -> None:
    data = facts()
    data["department"] = {**data["department"], "name": "消" * 40}
    rendered = Renderer(provider="aliyun").render("confirmation", "sms", "zh-CN",
                                                  told("booked", data))
    assert rendered.sms is not None
    value = dict(rendered.sms.params)["department"]
    assert len(value) == 35 and value.endswith("…") and "，" + value + "，" in rendered.body


def test_a_long_address_fails_the_message_instead_of_cutting_it() -> None:
    with pytest.raises(Unfillable, match="variable address: 41 characters, over the 35"):
        Renderer(provider="aliyun").render("confirmation", "sms", "zh-CN",
                                           visit_for("confirmation", address="路" * 41))


def test_a_link_in_a_value_fails_the_message() -> None:
    with pytest.raises(Unfillable, match="variable directions: a link"):
        Renderer(provider="tencent").render("confirmation", "sms", "zh-CN", visit_for(
            "confirmation", directions="见 https://map.example/x"))


def test_a_patient_link_outside_the_registered_address() -> None:
    data = facts(patient_link="https://elsewhere.example/p/abc")
    with pytest.raises(Unfillable, match="not under the registered address"):
        Renderer(provider="aliyun").render("confirmation", "sms", "zh-CN", told("booked", data))
    dev = Renderer().render("confirmation", "sms", "zh-CN", told("booked", data))
    assert dev.body.endswith("https://elsewhere.example/p/abc"), "dev shows the true link"


def test_segments_count_the_signature() -> None:
    short = parse('[reminder.zh-CN]\ntext = "' + "请" * 62 + '${name}明天就诊"\n', "t")
    body = short.fill("reminder", "zh-CN", {"name": "张三"}, link="", provider="outbox",
                      sign_name="仁和医院").body
    assert len(body) == 74 and segments(body) == 2, "68 characters without the signature"
    assert segments(body.removeprefix("【仁和医院】")) == 1


class Taking:
    name = "aliyun"

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    def send(self, item: Outgoing) -> str:
        self.sent.append(item)
        return f"biz-{item.ref}"


def test_a_message_claimed_again_after_a_crash_hands_over_the_same_call(make_app) -> None:
    app = make_app("notify", sms_provider="aliyun", sms_sign_name="仁和医院",
                   email_provider="none")
    from tests.support.notify import consume, messages

    consume(app, event("booked", facts()))
    rt = app.extensions["clinic"]
    dying = Sender(rt, Providers(sms=Taking(), email=None))
    [first] = dying.claim()
    assert dying._handing_over(first) is not None  # ... and it dies handing it over
    call = first.outgoing.template
    assert call is not None and call.code == "SMS_480010001" and call.sign_name == "仁和医院"
    assert dict(call.params)["code"] == "K7QM4TZP"
    # The hospital moves meanwhile: a message a provider may hold is never rendered again.
    with rt.db.transaction() as session:
        from services.notify.models import Hospital
        row = session.get(Hospital, 1)
        if row is not None:
            row.address = "新院路 8 号"
    later = utcnow() + timedelta(seconds=rt.settings.send_lease_seconds + 1)
    provider = Taking()
    sender = Sender(rt, Providers(sms=provider, email=None))
    [again] = sender.claim(later)
    assert again.in_doubt and again.outgoing.template == call
    assert again.outgoing.body == first.outgoing.body
    sender.deliver(again)
    [sent] = messages(app, id=first.message_id)
    assert sent.status == "sent" and provider.sent[0].template == call
    assert HOSPITAL.address in sent.body


def test_a_message_the_vendor_would_refuse_is_logged_failed_not_queued(make_app) -> None:
    app = make_app("notify", sms_provider="aliyun", sms_sign_name="仁和医院",
                   email_provider="none")
    from tests.support.notify import consume, messages

    data = facts()
    data["hospital"] = {**data["hospital"], "address": "路" * 41}
    consume(app, event("booked", data))
    [sms] = messages(app, channel="sms", template="confirmation")
    assert (sms.status, sms.reason) == ("failed", "cannot be filled")
    assert "variable address" in (sms.last_error or "") and sms.facts is None
