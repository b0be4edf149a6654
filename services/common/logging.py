"""Standard logging, configured once per process, that never writes a phone, an identity
card number or an email.

Patients' phone numbers and email addresses must not reach a log line
(SPEC §1, "least data"). A filter on the root handler rewrites every record's
final text, so a careless ``log.info("sent to %s", phone)`` is masked too.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

# What lists show (``138****8000``) lives with the other phone rules; kept importable here.
from .phones import mask_in_text
from .phones import mask_phone as mask_phone
from .tracing import trace_ids

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def mask_phone_in_log(phone: str | None) -> str:
    """A log line shows only the last four digits: ``+8613800138000`` → ``*********8000``
    (least data: a log keeps less than a list on a staff member's screen)."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    return "*" * max(len(digits) - 4, 3) + digits[-4:]


def mask_email(email: str | None) -> str:
    """Keep the first letter and the domain: ``li.wei@example.cn`` → ``l***@example.cn``."""
    if not email or "@" not in email:
        return ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def redact(text: str) -> str:
    """Mask anything in free text that looks like an email address, a phone number or an
    identity card number (:func:`~services.common.phones.mask_in_text`, keeping the last
    four characters); ids, counts, durations, times and appointment codes stay readable."""
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return mask_in_text(text, for_log=True)


class RedactingFilter(logging.Filter):
    """Rewrite each record's message with personal data masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        # One record, one line: a newline from a request (a path with %0A) cannot forge
        # another log line in the text format.
        record.msg = redact(message).replace("\r", "\\r").replace("\n", "\\n")
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers in production."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_text:
            payload["exc"] = record.exc_text
        ids = trace_ids()
        if ids is not None:
            payload["trace_id"], payload["span_id"] = ids
        return json.dumps(payload, ensure_ascii=False)


def configure_logging(service: str, level: str = "INFO", fmt: str = "text",
                      log_file: str = "") -> None:
    """Send this process's logs to stderr (and ``log_file``), redacted, in text or JSON."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_clinic", False):
            root.removeHandler(old)
    for handler in handlers:
        handler.addFilter(RedactingFilter())
        handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
            f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s"))
        handler._clinic = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("amqp", "kombu", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel("WARNING")
