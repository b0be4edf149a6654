"""No phone number or email address reaches a log line."""

from __future__ import annotations

import io
import logging
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.logging import (
    RedactingFilter,
    mask_email,
    mask_phone,
    mask_phone_in_log,
    redact,
)


@pytest.mark.parametrize("text, hidden", [
    ("sent to +8613800138000", "13800138000"),
    ("sent to 138 0013 8000 ok", "0013"),
    ("patient 13800138000 booked", "13800138000"),
    ("mail li.wei@example.cn failed", "li.wei"),
    ("家属电话13912345678，HIV复诊", "13912345678"),
    ("电话+8613800138000。", "13800138000"),
    ("patient id_13800138000 booked", "13800138000"),
    ("key x-13800138000", "13800138000"),
    ("abc13800138000", "13800138000"),
    ("call 138.0013.8000 now", "0013"),
    ("身份证11010519491231002X", "110105194912310"),
    ("id_number=110105194912310021", "110105194912310"),
    ("电话１３８００１３８０００", "１３８００１３８０００"),
])
def test_redact_hides_phones_and_emails(text: str, hidden: str) -> None:
    assert hidden not in redact(text)


@pytest.mark.parametrize("text", [
    "slot 08:00-08:30 has 5 places",
    "event 6f1c2f1e-0d7b-4d5e-9a59-2f1b7a3c9d10 handled",
    "published 200 rows in 35 ms",
    "date 2026-11-23",
    "at 2026-11-23 10:00:00 and 2026-11-23T10:00:00+08:00",
    "booked K7QM4TZP for slot 2147483647",
    "unix time 1733456789, in ms 1733456789123",
    "took 12345678 us for ids 12 13 14 15 16 17",
    "version 1.13.8, 99.5% of 13800 rows",
])
def test_redact_leaves_ordinary_text_alone(text: str) -> None:
    assert redact(text) == text


def test_masks_keep_only_what_staff_need() -> None:
    assert mask_phone("+8613800138000") == "138****8000"
    assert mask_phone("+8613900138000") != mask_phone("+8613800138000"), "told apart"
    assert mask_phone("+862155550100") == "21****0100", "a landline: its area code"
    assert mask_phone("+8675512345678") == "755****5678"
    assert mask_phone("+85291234567") == "****4567", "8 digits: the last four alone"
    assert mask_phone("5678901") == "***8901", "fewer than 8 digits: the last four alone"
    assert mask_phone("") == "" and mask_phone(None) == ""
    for phone in ("+8613800138000", "+862155550100", "+447700900123", "+12025550123"):
        shown = sum(ch.isdigit() for ch in mask_phone(phone))
        assert shown <= 7 and mask_phone(phone).count("*") >= 4, phone
    assert mask_phone_in_log("+8613800138000") == "*********8000", "a log keeps less"
    assert mask_email("li.wei@example.cn") == "l***@example.cn"


def test_filter_masks_arguments_and_exceptions() -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "to %s", ("+8613800138000",), None)
    try:
        raise ValueError("bad phone 13912345678")
    except ValueError:
        import sys
        record.exc_info = sys.exc_info()
    RedactingFilter().filter(record)
    assert "13800138000" not in record.getMessage()
    assert "13912345678" not in (record.exc_text or "")


def test_a_newline_in_a_request_cannot_forge_a_log_line(tmp_path) -> None:
    """A path with %0A logged in the text format must stay one line."""
    from services.common.logging import configure_logging

    log_file = tmp_path / "log.txt"
    configure_logging("test", "INFO", "text", str(log_file))
    logging.getLogger("t").warning("unhandled error on GET %s",
                                   "/x\n2026-11-23 INFO booking forged: all fine")
    for handler in logging.getLogger().handlers:
        handler.flush()
    lines = log_file.read_text().splitlines()
    assert len(lines) == 1 and "\\n2026-11-23" in lines[0]


# --- every spelling of a phone or identity card number (issue 28 item 9b) -------------------

mobiles = st.builds(lambda second, rest: f"1{second}{rest}", st.sampled_from("3456789"),
                    st.text("0123456789", min_size=9, max_size=9))
#: What may stand before a number in a log line: ASCII letters, "_", "-", Chinese, nothing.
before = st.sampled_from(["", " ", "id_", "x-", "abc", "phone=", "电话", "tel:", "a_b-", "(", "Z"])
after = st.sampled_from(["", " ", "_x", "abc", "。", "-y", ")", ",", "X"])


def spellings(national: str) -> list[str]:
    """A mainland mobile as people and code write it."""
    grouped = (national[:3], national[3:7], national[7:])
    spelt = [national, "+86" + national, "86" + national, "0086" + national,
             "+86 " + national]
    spelt += [sep.join(grouped) for sep in (" ", "-", ".")]
    spelt.append("+86-" + "-".join(grouped))
    return spelt


def formatted(message: str, *args: object) -> str:
    """A record as the handlers of configure_logging write it: filtered, then formatted."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s test %(name)s: %(message)s"))
    logger = logging.getLogger("clinic.test.masking")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        logger.warning(message, *args)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def digits_of(text: str) -> str:
    return re.sub(r"\D", "", text)


@given(mobiles, before, after, st.integers(min_value=0, max_value=8))
def test_no_spelling_of_a_mobile_reaches_a_log_line(national, head, tail, which) -> None:
    spelt = spellings(national)[which]
    line = formatted("sent to %s%s%s today", head, spelt, tail)
    assert spelt not in line and national not in line
    # nor the number with its separators taken out: at most the last four digits remain
    assert national not in re.sub(r"[\s.-]", "", line)
    assert national[-4:] in line, "the last four stay, to tell records apart"


@given(st.text("0123456789", min_size=17, max_size=17), st.sampled_from("0123456789Xx"),
       before, after)
def test_no_identity_card_number_reaches_a_log_line(first, check, head, tail) -> None:
    number = first + check
    line = formatted("patient %s%s%s", head, number, tail)
    assert number not in line and first[:14] not in line


@given(st.integers(min_value=0, max_value=10**16).filter(lambda n: len(str(n)) != 11),
       st.sampled_from(["id ", "id=", "took ", "at ", "appointment/", "slot_"]),
       st.sampled_from(["", " ms", " rows", "/cancel", ","]))
def test_numbers_not_shaped_like_a_phone_stay_readable(number, head, tail) -> None:
    """Ids, counts, durations and Unix times (seconds or milliseconds): no length of a
    mainland phone, no 0 of an area code, no + — left as they are."""
    text = f"{head}{number}{tail}"
    assert redact(text) == text


@given(st.text("ABCDEFGHJKMNPQRSTUVWXYZ23456789", min_size=8, max_size=8))
def test_appointment_codes_stay_readable(code) -> None:
    assert redact(f"booked {code} for 张*") == f"booked {code} for 张*"
