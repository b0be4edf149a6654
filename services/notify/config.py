"""Notify's settings (see :class:`services.common.config.Settings` for the shared ones)."""

from __future__ import annotations

import dataclasses
from datetime import time
from typing import ClassVar

from services.common.config import Settings


@dataclasses.dataclass(frozen=True)
class NotifySettings(Settings):
    SERVICE: ClassVar[str] = "notify"
    DEFAULT_PORT: ClassVar[int] = 8003

    default_time_zone: str = "Asia/Shanghai"
    default_language: str = "zh-CN"
    phone_region: str = "CN"
    template_dir: str = ""
    # providers: sms "outbox" | "http"; email "outbox" | "smtp" | "none"
    sms_provider: str = "outbox"
    email_provider: str = "outbox"
    sms_gateway_url: str = ""
    sms_gateway_username: str = ""
    sms_gateway_password: str = ""
    sms_gateway_token: str = ""
    sms_gateway_format: str = "json"
    sms_gateway_to_field: str = "to"
    sms_gateway_text_field: str = "text"
    sms_gateway_ref_field: str = "client_ref"
    sms_gateway_sender_field: str = ""
    sms_gateway_sender: str = ""
    sms_gateway_id_field: str = "id"
    sms_gateway_timeout: float = 10.0
    sms_webhook_secret: str = ""
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_security: str = "none"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout: float = 10.0
    email_from: str = "clinic@localhost"
    reminder_hour: time = time(10, 0)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    send_max_attempts: int = 8
    send_batch_size: int = 50
    send_poll_seconds: float = 0.2
    send_lease_seconds: int = 60
    send_retry_base_seconds: float = 5.0
