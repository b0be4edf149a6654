"""The run-wide log check recognises what it looks for, and the redaction defeats it."""

from __future__ import annotations

import logging

from services.common.logging import configure_logging
from tests.support.logs import personal_data_in


def test_the_check_sees_full_phones_and_emails_but_not_masked_ones() -> None:
    assert personal_data_in("sent to +8613800138000") == ["+8613800138000"]
    assert personal_data_in("sent to 138 0013 8000 ok")
    assert personal_data_in("mail li.wei@example.cn") == ["li.wei@example.cn"]
    assert personal_data_in("sent to *********8000, l***@example.cn") == []
    assert personal_data_in("event 6f1c2f1e-0d7b-4d5e-9a59-2f1b7a3c9d10 at 2026-11-23") == []


def test_the_check_sees_the_names_and_complaints_the_tests_give_patients() -> None:
    assert personal_data_in("integrity error: ('张三', '家属电话问HIV复诊')") == [
        "张三", "家属电话问HIV复诊"]
    assert personal_data_in("booked appointment 12 for expert 王建国") == []


def test_what_reaches_the_log_file_is_masked(tmp_path) -> None:
    log_file = tmp_path / "log.txt"
    configure_logging("test", "INFO", "text", str(log_file))
    logging.getLogger("t").info("booked for %s <%s>", "+8613800138000", "li.wei@example.cn")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text()
    assert "booked for" in text and personal_data_in(text) == []


def test_the_check_sees_every_spelling_and_identity_numbers_and_the_filter_masks_them(
        tmp_path) -> None:
    """Issue 28 item 9b: phones after "_", "-" or a letter, dotted phones and identity card
    numbers escaped both the masking and this check."""
    spelt = ("id_13800138000", "x-13800138000", "abc13800138000", "138.0013.8000",
             "11010519491231002X")
    for text in spelt:
        assert personal_data_in(f"patient {text} booked"), text
    log_file = tmp_path / "log.txt"
    configure_logging("test", "INFO", "text", str(log_file))
    logging.getLogger("t").info("patient %s", " ".join(spelt))
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text()
    assert "patient" in text and personal_data_in(text) == []
    assert personal_data_in("booked K7QM4TZP at 1733456789123 for slot 2147483647") == []
