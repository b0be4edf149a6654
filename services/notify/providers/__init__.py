"""SMS and email providers, chosen by settings."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.db import Database

from ..config import NotifySettings
from .base import Lookup, Outgoing, PermanentError, Probe, Provider, TransientError
from .http_gateway import HttpGatewayProvider
from .outbox import OutboxProvider
from .smtp import SmtpProvider

__all__ = ["Lookup", "Outgoing", "PermanentError", "Probe", "Provider", "Providers",
           "TransientError", "build_providers"]


@dataclass
class Providers:
    sms: Provider
    email: Provider | None

    def for_channel(self, channel: str) -> Provider | None:
        return self.sms if channel == "sms" else self.email


def build_providers(settings: NotifySettings, db: Database) -> Providers:
    s = settings
    if s.sms_provider == "http":
        sms: Provider = HttpGatewayProvider(
            url=s.sms_gateway_url, username=s.sms_gateway_username,
            password=s.sms_gateway_password, token=s.sms_gateway_token,
            body_format=s.sms_gateway_format, to_field=s.sms_gateway_to_field,
            text_field=s.sms_gateway_text_field, ref_field=s.sms_gateway_ref_field,
            sender_field=s.sms_gateway_sender_field, sender=s.sms_gateway_sender,
            id_field=s.sms_gateway_id_field, timeout=s.sms_gateway_timeout,
            status_url=s.sms_gateway_status_url, health_url=s.sms_gateway_health_url)
    elif s.sms_provider == "aliyun":
        from .aliyun import AliyunProvider  # its SDK costs 0.6 s to import: only when chosen

        sms = AliyunProvider(access_key_id=s.aliyun_access_key_id,
                             access_key_secret=s.aliyun_access_key_secret,
                             region=s.aliyun_region, endpoint=s.aliyun_endpoint,
                             sign_name=s.sms_sign_name, timeout=s.sms_gateway_timeout)
    elif s.sms_provider == "outbox":
        sms = OutboxProvider(db, "sms")
    elif s.sms_provider == "tencent":
        from .tencent import TencentSmsProvider  # the SDK is loaded only when chosen

        sms = TencentSmsProvider(
            secret_id=s.tencent_secret_id, secret_key=s.tencent_secret_key,
            region=s.tencent_region, endpoint=s.tencent_endpoint,
            sdk_app_id=s.tencent_sdk_app_id, sign_name=s.sms_sign_name,
            timeout=s.sms_gateway_timeout)
    else:
        raise ValueError("SMS_PROVIDER is outbox, http, aliyun or tencent")
    email: Provider | None
    if s.email_provider == "smtp":
        email = SmtpProvider(host=s.smtp_host, port=s.smtp_port, security=s.smtp_security,
                             username=s.smtp_username, password=s.smtp_password,
                             sender=s.email_from, timeout=s.smtp_timeout)
    elif s.email_provider == "outbox":
        email = OutboxProvider(db, "email")
    elif s.email_provider == "none":
        email = None
    else:
        raise ValueError("EMAIL_PROVIDER is outbox, smtp or none")
    return Providers(sms=sms, email=email)
