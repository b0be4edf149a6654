"""Notify's settings (see :class:`services.common.config.Settings` for the shared ones)."""

from __future__ import annotations

import dataclasses
from datetime import time
from typing import ClassVar

from services.common.config import ConfigError, Settings
from services.common.runtime import Runtime, current_runtime

DEFAULT_WEBHOOK_SECRET = "dev-only-webhook-secret-change-me-in-production"
DEV_PROVIDERS = ("outbox",)
#: What each template provider cannot run without, as the environment names it.
PROVIDER_NEEDS = {
    "aliyun": ("sms_sign_name", "aliyun_access_key_id", "aliyun_access_key_secret",
               "aliyun_region", "aliyun_endpoint", "sms_callback_secret"),
    "tencent": ("sms_sign_name", "tencent_secret_id", "tencent_secret_key", "tencent_region",
                "tencent_endpoint", "tencent_sdk_app_id", "sms_callback_secret"),
}


@dataclasses.dataclass(frozen=True)
class NotifySettings(Settings):
    SERVICE: ClassVar[str] = "notify"
    DEFAULT_PORT: ClassVar[int] = 8003

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
    sms_gateway_status_url: str = ""
    #: GET here answers whether the gateway is back (any answer but 5xx/429); optional.
    sms_gateway_health_url: str = ""
    sms_webhook_secret: str = DEFAULT_WEBHOOK_SECRET
    # Template providers (SPEC §12): the registered signature, and each vendor's account.
    sms_sign_name: str = ""
    aliyun_access_key_id: str = ""
    aliyun_access_key_secret: str = ""
    aliyun_region: str = "cn-hangzhou"
    aliyun_endpoint: str = "dysmsapi.aliyuncs.com"
    tencent_secret_id: str = ""
    tencent_secret_key: str = ""
    tencent_region: str = "ap-guangzhou"
    tencent_endpoint: str = "sms.tencentcloudapi.com"
    tencent_sdk_app_id: str = ""
    #: The unguessable part of the vendors' callback paths (receipts and replies), 128+ bits.
    sms_callback_secret: str = ""
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
    send_concurrency: int = 8  # recipients whose messages are handed over at once
    send_poll_seconds: float = 0.2
    send_lease_seconds: int = 60
    send_retry_base_seconds: float = 5.0
    # The SMS provider's health (domain/provider_health.py): down after this many transient
    # failures in a row, then probed every few seconds; SMS handed over at most this fast.
    send_down_after_failures: int = 3
    send_probe_seconds: float = 2.0
    sms_rate_per_second: float = 50.0
    message_retention_days: int = 180
    # Confirmations come in bursts as bookings do: plan up to 20 in one transaction.
    consumer_batch: int = 20

    def check_production(self) -> None:
        """Production sends for real and hears only the real gateway: no dev outbox, no
        default webhook key."""
        super().check_production()
        if not self.is_production:
            return
        if self.sms_provider in DEV_PROVIDERS or self.email_provider in DEV_PROVIDERS:
            raise ConfigError("production refuses the dev outbox: set SMS_PROVIDER=aliyun, "
                              "tencent or http and EMAIL_PROVIDER=smtp (or none)")
        missing = [name.upper() for name in PROVIDER_NEEDS.get(self.sms_provider, ())
                   if not str(getattr(self, name)).strip()]
        if missing:
            raise ConfigError(f"SMS_PROVIDER={self.sms_provider} needs {', '.join(missing)}")
        if self.sms_provider in PROVIDER_NEEDS and len(self.sms_callback_secret) < 22:
            raise ConfigError("SMS_CALLBACK_SECRET must be at least 22 random characters "
                              "(128 bits): it is the vendors' callback paths' only key")
        if self.sms_webhook_secret == DEFAULT_WEBHOOK_SECRET or len(self.sms_webhook_secret) < 32:
            raise ConfigError("production needs SMS_WEBHOOK_SECRET set to a random value of at "
                              "least 32 characters, shared with the SMS gateway")


def runtime() -> Runtime[NotifySettings]:
    """The running notify service, inside a request or an app context."""
    return current_runtime(NotifySettings)
