"""The registered SMS templates as plain Python: a small registry of our own filled to the
character (each limit at its edge, the link, the signature, the vendor's code), the file
read and refused as it says, and each start-up check on its own.

Written for the mutants `make mutate` found surviving (docs/mutation.md).
"""

from __future__ import annotations

import locale
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.common.config import ConfigError
from services.notify.domain.sms import segments
from services.notify.domain.sms_templates import (
    FILE_NAME,
    LIMITS,
    Filled,
    Limits,
    Registered,
    Registry,
    Unfillable,
    check,
    load,
    parse,
    shipped_text,
    signed,
)

#: A registry of our own: vendors' limits that differ in both numbers, a link address.
OWN = """
link_address = "https://h.example/p/"

[limits.aliyun]
variable = 8
message = 70

[limits.tencent]
variable = 12
message = 60

[note.en]
aliyun = "SMS_1"
tencent = 7
text = "Hi ${name}, ${department} at ${time}. https://h.example/p/${token}"
variables = ["name", "department", "time", "token"]

[note.zh-CN]
aliyun = ""
text = "${name}您好，${directions}，${address}"
"""
LINK = "https://h.example/p/abc123"


def own() -> Registry:
    return parse(OWN, "own.toml")


def fill(kind: str = "note", language: str = "en", provider: str = "aliyun",
         sign_name: str = "", link: str = LINK, **values: str) -> Filled:
    return own().fill(kind, language, values, link=link, provider=provider,
                      sign_name=sign_name)


# -- signed, Filled.stored, get, limits_for -------------------------------------------


def test_the_platform_puts_the_signature_in_front() -> None:
    assert signed("仁和医院", "您好") == "【仁和医院】您好"
    assert signed("", "您好") == "您好"


def test_what_a_message_row_keeps_of_the_call() -> None:
    filled = Filled("reminder", "【R】x", 1, (("name", "张三"), ("time", "09:00")), "R",
                    "aliyun", "SMS_9")
    assert filled.stored() == {"kind": "reminder", "provider": "aliyun", "code": "SMS_9",
                               "sign_name": "R",
                               "params": [["name", "张三"], ["time", "09:00"]]}


def test_a_registered_template_is_found_by_kind_and_language() -> None:
    registry = own()
    assert registry.get("note", "en") == Registered(
        "note", "en", "Hi ${name}, ${department} at ${time}. https://h.example/p/${token}",
        ("name", "department", "time", "token"), {"aliyun": "SMS_1", "tencent": "7"})
    assert registry.get("note", "zh-CN").codes == {}, "an empty code is no code"
    with pytest.raises(Unfillable, match="no registered SMS template for note in fr"):
        registry.get("note", "fr")
    with pytest.raises(Unfillable):
        registry.get("reminder", "en")


def test_each_vendor_s_limits_and_the_strictest_for_plain_text() -> None:
    registry = own()
    assert registry.limits_for("aliyun") == Limits(8, 70)
    assert registry.limits_for("tencent") == Limits(12, 60)
    assert registry.limits_for("outbox") == Limits(8, 60)
    assert registry.limits_for("http") == Limits(8, 60)
    shipped = parse(shipped_text(), "shipped")
    assert shipped.limits_for("aliyun") == Limits(35, 500)
    assert shipped.limits_for("tencent") == Limits(35, 500)


# -- fill -----------------------------------------------------------------------------


def test_a_registered_text_filled_to_the_character() -> None:
    filled = fill(sign_name="仁和", name="Li", department="ENT", time="09:00")
    body = "【仁和】Hi Li, ENT at 09:00. https://h.example/p/abc123"
    assert filled == Filled("note", body, segments(body),
                            (("name", "Li"), ("department", "ENT"), ("time", "09:00"),
                             ("token", "abc123")), "仁和", "aliyun", "SMS_1")
    assert filled.segments == 1


def test_the_tencent_code_and_none_for_a_plain_text_provider() -> None:
    assert fill(provider="tencent", name="Li", department="ENT", time="09:00").code == "7"
    outbox = fill(provider="outbox", name="Li", department="ENT", time="09:00")
    assert (outbox.code, outbox.provider) == (None, "outbox")
    assert outbox.body == "Hi Li, ENT at 09:00. https://h.example/p/abc123"


def test_a_kind_without_a_code_for_the_vendor_is_filled_with_none() -> None:
    filled = fill("note", "zh-CN", "aliyun", name="张三", directions="2号线", address="1号")
    assert filled.body == "张三您好，2号线，1号" and filled.code is None


def test_a_value_is_said_on_one_line_with_single_spaces() -> None:
    filled = fill(name="  Li \n Wei\t", department="E  N T", time="09:00")
    assert filled.body == "Hi Li Wei, E N T at 09:00. https://h.example/p/abc123"
    assert dict(filled.params)["name"] == "Li Wei"


def test_an_empty_value_is_said_as_the_variable_s_word_for_nothing() -> None:
    assert dict(fill(name="Li", time="09:00").params)["department"] == "clinic"
    assert dict(fill(name="Li", department=" \n", time="09:00").params)["department"] == "clinic"
    chinese = fill("note", "zh-CN", name="张三", address="1号")
    assert chinese.body == "张三您好，详见链接，1号"


def test_an_empty_value_without_a_word_for_it_cannot_be_sent() -> None:
    with pytest.raises(Unfillable, match="note en variable time: no value"):
        fill(name="Li", department="ENT", time="  ")
    with pytest.raises(Unfillable, match="variable name: no value"):
        fill(department="ENT", time="09:00")


@pytest.mark.parametrize("value", ["【Li", "Li】", "http://x", "HTTPS://x", "see www.x",
                                   "WWW.X"])
def test_a_value_with_a_bracket_or_a_link_cannot_be_sent(value: str) -> None:
    with pytest.raises(Unfillable, match="note en variable name: "):
        fill(name=value, department="ENT", time="09:00")


def test_values_that_only_look_like_a_link_are_sent() -> None:
    filled = fill(name="http", department="www", time="09:00")
    assert filled.body.startswith("Hi http, www at 09:00.")


def test_a_value_at_the_limit_stays_and_one_over_is_shortened_to_it() -> None:
    assert dict(fill(name="ABCDEFGH", department="ENT", time="09:00").params)["name"] == \
        "ABCDEFGH"
    assert dict(fill(name="ABCDEFGHI", department="ENT", time="09:00").params)["name"] == \
        "ABCDEFG…"
    tencent = fill(provider="tencent", name="ABCDEFGHIJKLMN", department="ENT", time="09:00")
    assert dict(tencent.params)["name"] == "ABCDEFGHIJK…"
    assert tencent.body.startswith("Hi ABCDEFGHIJK…, ENT")


def test_a_value_that_may_not_be_cut_fails_over_the_limit() -> None:
    chinese = fill("note", "zh-CN", name="张三", directions="2号线", address="一二三四五六七八")
    assert chinese.body == "张三您好，2号线，一二三四五六七八"
    with pytest.raises(Unfillable, match="variable address: 9 characters, over the 8"):
        fill("note", "zh-CN", name="张三", directions="2号线", address="一二三四五六七八九")


def test_the_message_may_be_as_long_as_the_vendor_takes_and_no_longer() -> None:
    # Tencent here: 60 characters a message with the signature.
    base = "Hi Li, ENT at 09:00. https://h.example/p/"
    token = "x" * (60 - len(base))
    assert len(fill(provider="tencent", name="Li", department="ENT", time="09:00",
                    link="https://h.example/p/" + token).body) == 60
    with pytest.raises(Unfillable, match="note en: the message is 61 characters, over 60"):
        fill(provider="tencent", name="Li", department="ENT", time="09:00",
             link="https://h.example/p/" + token + "y")
    with pytest.raises(Unfillable, match="over 60"):
        fill(provider="tencent", sign_name="R", name="Li", department="ENT", time="09:00",
             link="https://h.example/p/" + token)


def test_a_link_outside_the_registered_address_is_said_whole_in_development() -> None:
    filled = fill(provider="outbox", name="Li", department="ENT", time="09:00",
                  link="http://dev.local/p/abc")
    assert filled.body == "Hi Li, ENT at 09:00. http://dev.local/p/abc"
    assert [name for name, _ in filled.params] == ["name", "department", "time"]


def test_the_variables_after_a_link_said_whole_are_still_filled() -> None:
    registry = parse('link_address = "https://h.example/p/"\n[offer.en]\n'
                     'text = "Book: https://h.example/p/${token} or call ${phone}."\n', "x")
    filled = registry.fill("offer", "en", {"phone": "021-55"}, link="http://dev.local/p/a",
                           provider="outbox", sign_name="")
    assert filled.body == "Book: http://dev.local/p/a or call 021-55."
    assert filled.params == (("phone", "021-55"),)


def test_the_registered_address_alone_is_no_patient_link() -> None:
    with pytest.raises(Unfillable, match=r"note en variable token: the patient link is not "
                                         r"under the registered address https://h\.example/p/"):
        fill(name="Li", department="ENT", time="09:00", link="https://h.example/p/")
    with pytest.raises(Unfillable, match="variable token"):
        fill(provider="tencent", name="Li", department="ENT", time="09:00",
             link="https://other.example/p/abc")
    dev = fill(provider="http", name="Li", department="ENT", time="09:00",
               link="https://h.example/p/")
    assert dev.body == "Hi Li, ENT at 09:00. https://h.example/p/"


# -- shipped_text, load ---------------------------------------------------------------


def test_the_shipped_file_is_read_as_utf_8() -> None:
    text = shipped_text()
    assert text.startswith("# The SMS templates registered with the carrier platforms")
    assert 'text = "${name}您好，您已预约${when}' in text


@pytest.fixture
def ascii_locale() -> Iterator[None]:
    """A host whose locale is plain C: its default encoding is ASCII."""
    saved = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        yield
    finally:
        locale.setlocale(locale.LC_CTYPE, saved)


def test_the_files_read_the_same_whatever_the_host_s_locale(
        tmp_path: Path, ascii_locale: None) -> None:
    assert 'text = "${name}您好，您已预约${when}' in shipped_text()
    (tmp_path / FILE_NAME).write_text(OWN, encoding="utf-8")
    assert load(str(tmp_path)).get("note", "zh-CN").text == "${name}您好，${directions}，${address}"


def test_without_a_folder_the_shipped_set_is_loaded() -> None:
    for folder in ("", "/nonexistent-folder"):
        registry = load(folder)
        assert registry.shipped is True
        assert registry.source == "services/notify/sms-templates.toml"
        assert registry.link_address == "http://127.0.0.1:8002/p/"
        assert registry.get("reminder", "en").codes == {"aliyun": "SMS_480010006",
                                                         "tencent": "2480006"}
    assert load().shipped is True


def test_without_a_folder_the_working_directory_s_file_is_not_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / FILE_NAME).write_text(OWN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load().shipped is True and load("").source == "services/notify/sms-templates.toml"


def test_a_folder_without_the_file_loads_the_shipped_set(tmp_path: Path) -> None:
    (tmp_path / "other.toml").write_text(OWN, encoding="utf-8")
    assert load(str(tmp_path)).shipped is True


def test_the_hospital_s_file_wins(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_text(OWN, encoding="utf-8")
    registry = load(str(tmp_path))
    assert registry == Registry(own().templates, "https://h.example/p/",
                                {"aliyun": Limits(8, 70), "tencent": Limits(12, 60)},
                                str(tmp_path / "sms-templates.toml"), False)


def test_a_folder_named_like_the_file_is_not_the_file(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).mkdir()
    assert load(str(tmp_path)).shipped is True


# -- parse ----------------------------------------------------------------------------


def test_a_file_is_read_whole() -> None:
    registry = own()
    assert registry.source == "own.toml" and registry.shipped is False
    assert registry.link_address == "https://h.example/p/"
    assert set(registry.templates) == {("note", "en"), ("note", "zh-CN")}
    assert registry.templates[("note", "zh-CN")] == Registered(
        "note", "zh-CN", "${name}您好，${directions}，${address}",
        ("name", "directions", "address"), {})
    assert parse(OWN, "x", shipped=True).shipped is True


def test_a_file_without_limits_or_address_takes_the_vendors_defaults() -> None:
    registry = parse('[note.en]\ntext = "Hi ${name}"\n', "x")
    assert registry.link_address == ""
    assert registry.limits == {"aliyun": Limits(35, 500), "tencent": Limits(6, 500)}
    assert registry.limits == LIMITS
    assert parse("", "x") == Registry({}, "", LIMITS, "x", False)


def test_a_limit_declared_alone_keeps_the_other_default() -> None:
    registry = parse("[limits.tencent]\nvariable = 20\n[limits.aliyun]\nmessage = 300\n", "x")
    assert registry.limits == {"aliyun": Limits(35, 300), "tencent": Limits(20, 500)}
    assert parse("[limits.tencent]\n", "x").limits["tencent"] == Limits(6, 500)
    assert parse('[limits.aliyun]\nvariable = "30"\n', "x").limits["aliyun"] == Limits(30, 500)


def test_limits_for_a_provider_no_one_knows_are_refused() -> None:
    with pytest.raises(ConfigError, match="x: limits for an unknown provider 'outbox'"):
        parse("[limits.outbox]\nvariable = 20\n", "x")


def test_a_file_that_is_not_toml_is_refused_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"own\.toml: not valid TOML"):
        parse("[note.en\n", "own.toml")


def test_a_kind_that_is_not_a_table_is_refused() -> None:
    with pytest.raises(ConfigError, match="x: note is not a table of languages"):
        parse('note = "Hi"\n', "x")


@pytest.mark.parametrize("entry", ['en = "Hi"', "[note.en]\naliyun = \"SMS_1\"",
                                   "[note.en]\ntext = 5"])
def test_a_language_without_a_text_is_refused(entry: str) -> None:
    text = entry if entry.startswith("[") else "[note]\n" + entry
    with pytest.raises(ConfigError, match=r"x: \[note.en\] has no text"):
        parse(text + "\n", "x")


def test_the_variables_listed_must_be_the_text_s_in_order() -> None:
    good = '[note.en]\ntext = "${name} at ${time}"\nvariables = ["name", "time"]\n'
    assert parse(good, "x").get("note", "en").variables == ("name", "time")
    with pytest.raises(ConfigError, match=r"\[note.en\]: variables"):
        parse(good.replace('["name", "time"]', '["time", "name"]'), "x")
    with pytest.raises(ConfigError, match=r"\[note.en\]: variables"):
        parse(good.replace('["name", "time"]', "[]"), "x")
    assert parse('[note.en]\ntext = "no variables"\nvariables = []\n', "x").get(
        "note", "en").variables == ()


def test_a_variable_is_a_name_in_dollar_braces() -> None:
    registry = parse('[note.en]\ntext = "${a1_b} $name {time} ${1x} ${Name}"\n', "x")
    assert registry.get("note", "en").variables == ("a1_b", "Name")
    assert registry.get("note", "en").fixed == " $name {time} ${1x} "


# -- check ----------------------------------------------------------------------------


def registry_of(text: str, link_address: str = "https://h.example/p/", **limits: Limits,
                ) -> Registry:
    """One kind ``note``, the same text in both languages."""
    entry = f'text = "{text}"\naliyun = "SMS_1"\ntencent = "T1"\n'
    parsed = parse(f'link_address = "{link_address}"\n[note.zh-CN]\n{entry}[note.en]\n{entry}',
                   "own.toml")
    vendors = {"aliyun": Limits(35), "tencent": Limits(35)}
    return Registry(parsed.templates, parsed.link_address, {**vendors, **limits},
                    parsed.source, parsed.shipped)


def problems(registry: Registry, provider: str = "aliyun", sign_name: str = "R",
             production: bool = False, kinds: tuple[str, ...] = ("note",)) -> list[str]:
    try:
        check(registry, kinds, provider, sign_name, production)
    except ConfigError as exc:
        return str(exc).split("; ")
    return []


def test_a_good_registry_passes_for_every_provider() -> None:
    good = registry_of("Hi ${name}, at ${time}: https://h.example/p/${token}")
    for provider in ("aliyun", "tencent", "outbox", "http"):
        assert problems(good, provider) == [], provider
    assert problems(good, production=True) == [], "a hospital's own file in production"
    assert problems(good, kinds=()) == []


def test_the_shipped_file_is_refused_in_production_for_a_vendor_only() -> None:
    shipped = load()
    kinds = ("confirmation", "reminder")
    check(shipped, kinds, "aliyun", "R")  # outside production unless told
    assert problems(shipped, "aliyun", kinds=kinds) == []
    assert problems(shipped, "outbox", production=True, kinds=kinds) == []
    found = problems(shipped, "tencent", production=True, kinds=kinds)
    assert len(found) == 1 and "demo's template codes" in found[0]
    assert problems(shipped, "aliyun", production=True, kinds=()) == [found[0]]


def test_a_missing_template_is_named_and_the_others_still_checked() -> None:
    registry = parse('[note.en]\ntext = "Hi ${fax}"\n', "own.toml")
    found = problems(registry, "outbox", kinds=("note", "gone"))
    assert found == [
        "SMS template note zh-CN: missing from own.toml",
        found[1],
        "SMS template gone zh-CN: missing from own.toml",
        "SMS template gone en: missing from own.toml"]
    assert found[1] == ("SMS template note en: unknown variable fax (known: name, when, time, "
                        "previous_when, department, expert, number, code, address, directions, "
                        "phone, reason, offer, token)")


def test_a_vendor_needs_its_code_and_plain_text_needs_none() -> None:
    registry = parse('[note.zh-CN]\ntext = "Hi"\naliyun = "SMS_1"\n'
                     '[note.en]\ntext = "Hi"\naliyun = "SMS_2"\ntencent = ""\n', "x")
    assert problems(registry, "aliyun") == []
    assert problems(registry, "outbox") == []
    assert problems(registry, "tencent") == [
        "SMS template note zh-CN: no tencent template code",
        "SMS template note en: no tencent template code"]


def test_a_variable_format_longer_than_the_vendor_takes() -> None:
    """``when`` takes up to 16 characters: a vendor taking 16 passes, 15 does not."""
    registry = registry_of("On ${when}.")
    assert problems(registry_of("On ${when}.", aliyun=Limits(16))) == []
    found = problems(registry_of("On ${when}.", aliyun=Limits(15)))
    assert len(found) == 2 and "variable when takes up to 16" in found[0]
    assert problems(registry_of("Dear ${name}.", aliyun=Limits(1))) == [], "free text"
    assert problems(registry) == []


def test_two_variables_side_by_side_are_refused() -> None:
    assert len(problems(registry_of("${name}${time}"))) == 2
    found = problems(registry_of("${name} ${time}"))
    assert len(found) == 2 and "two variables side by side" in found[0]
    assert problems(registry_of("${name}, ${time}")) == []


def test_a_variable_twice_is_refused() -> None:
    found = problems(registry_of("${name}, ${time}, ${name}"))
    assert len(found) == 2 and "a variable appears twice" in found[0]


def test_the_token_must_follow_the_registered_address() -> None:
    assert problems(registry_of("Go https://h.example/p/${token}")) == []
    found = problems(registry_of("Go https://other.example/p/${token}"))
    assert len(found) == 2 and "${token} must follow link_address" in found[0]
    unset = problems(registry_of("Go https://h.example/p/${token}", link_address=""))
    assert len(unset) == 2 and unset[0].endswith("${token} must follow link_address (not set)")
    assert problems(registry_of("Go home", link_address="")) == []


@pytest.mark.parametrize("text", ["【Hi】 ${name}", "Hi ${name}】"])
def test_the_signature_s_brackets_are_refused_in_the_text(text: str) -> None:
    found = problems(registry_of(text))
    assert len(found) == 2 and "【】 belong to the signature" in found[0]


def test_the_fixed_text_with_its_signature_and_a_character_a_variable() -> None:
    # 【R】 (3) + 10 fixed + 2 variables: 15 characters at the least.
    text = "0123${name}45678${time}9"
    assert problems(registry_of(text, aliyun=Limits(35, 15))) == []
    found = problems(registry_of(text, aliyun=Limits(35, 14)))
    assert found[0] == ("SMS template note zh-CN: the fixed text with its signature is 15 "
                        "characters, over the 14 a message may have")
    # Without a registered signature, one of a character is counted.
    assert problems(registry_of(text, aliyun=Limits(35, 15)), sign_name="") == []
    assert len(problems(registry_of(text, aliyun=Limits(35, 14)), sign_name="")) == 2
    assert problems(registry_of(text, aliyun=Limits(35, 16)), sign_name="RR") == []
    assert len(problems(registry_of(text, aliyun=Limits(35, 15)), sign_name="RR")) == 2


def test_the_check_uses_the_limits_of_the_provider_checked() -> None:
    registry = registry_of("On ${when}.", aliyun=Limits(35), tencent=Limits(15))
    assert problems(registry, "aliyun") == []
    assert len(problems(registry, "tencent")) == 2
    assert len(problems(registry, "outbox")) == 2, "plain text: the strictest"


def test_every_problem_is_told_at_once() -> None:
    found = problems(registry_of("【${name}${name}", link_address=""), "tencent",
                     production=False)
    assert len(found) == 6
