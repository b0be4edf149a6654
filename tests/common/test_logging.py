"""No phone number or email address reaches a log line."""

from __future__ import annotations

import logging

import pytest

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
])
def test_redact_hides_phones_and_emails(text: str, hidden: str) -> None:
    assert hidden not in redact(text)


@pytest.mark.parametrize("text", [
    "slot 08:00-08:30 has 5 places",
    "event 6f1c2f1e-0d7b-4d5e-9a59-2f1b7a3c9d10 handled",
    "published 200 rows in 35 ms",
    "date 2026-11-23",
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
