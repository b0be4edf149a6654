"""Email over SMTP (``smtplib``), plain, STARTTLS or TLS, with the .ics attached."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from .base import Outgoing, PermanentError, TransientError


class SmtpProvider:
    name = "smtp"

    def __init__(self, *, host: str, port: int, security: str = "none", username: str = "",
                 password: str = "", sender: str, timeout: float = 10.0,
                 tls_context: ssl.SSLContext | None = None) -> None:
        if security not in ("none", "starttls", "tls"):
            raise ValueError("SMTP_SECURITY is none, starttls or tls")
        self.host, self.port, self.security = host, port, security
        self.username, self.password = username, password
        self.sender, self.timeout = sender, timeout
        self.tls_context = tls_context or ssl.create_default_context()

    def message(self, item: Outgoing) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = item.to
        message["Subject"] = item.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = f"<{item.ref}@clinic>"
        message.set_content(item.body)
        if item.ics:
            message.add_attachment(item.ics.encode("utf-8"), maintype="text",
                                   subtype="calendar", filename="appointment.ics",
                                   params={"method": item.ics_method, "charset": "utf-8"})
        return message

    def send(self, item: Outgoing) -> str:
        message = self.message(item)
        try:
            with self._connect() as smtp:
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError("the address was refused") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentError(f"SMTP {exc.smtp_code}") from exc
            raise TransientError(f"SMTP {exc.smtp_code}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise TransientError(f"SMTP unavailable: {type(exc).__name__}") from exc
        return str(message["Message-ID"])

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=self.tls_context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            smtp.starttls(context=self.tls_context)
        return smtp
