"""An SMS gateway over HTTP, its request shape set by configuration.

Most Chinese SMS gateways take a POST with the number, the text, a sender or
signature, and a client reference, as JSON or as a form, authenticated by basic
auth or a token, and answer an id. The field names differ; they are settings.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from .base import THROTTLE, Outgoing, PermanentError, TransientError

RETRY_STATUSES = {408, 425, 429}


def retry_after(response: requests.Response) -> float | None:
    """The seconds a ``Retry-After`` header asks for (a number, or an HTTP date), or None."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        return max((parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return None


class HttpGatewayProvider:
    name = "http"

    def __init__(self, *, url: str, username: str = "", password: str = "", token: str = "",
                 body_format: str = "json", to_field: str = "to", text_field: str = "text",
                 ref_field: str = "client_ref", sender_field: str = "", sender: str = "",
                 id_field: str = "id", timeout: float = 10.0, status_url: str = "",
                 health_url: str = "") -> None:
        if not url:
            raise ValueError("SMS_GATEWAY_URL is needed for the http SMS provider")
        self.url = url
        self.auth = (username, password) if username else None
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.body_format = body_format
        self.fields = {"to": to_field, "text": text_field, "ref": ref_field,
                       "sender": sender_field}
        self.sender = sender
        self.id_field = id_field
        self.timeout = timeout
        self.status_url = status_url
        self.health_url = health_url
        self._local = threading.local()  # a session per sending thread
        self._origins: dict[tuple[str, str], dict[str, Any]] = {}

    @property
    def session(self) -> requests.Session:
        """This thread's session: the sender hands messages over from several threads."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = self._new_session()
        return session

    def _new_session(self) -> requests.Session:
        """A session that does not read the environment for every request: requests would
        read the proxies, CA bundle and ``.netrc`` again for every message (a third of a
        hand-over's CPU); :meth:`_settings` reads them once per gateway address."""
        session = requests.Session()
        session.trust_env = False
        return session

    def _settings(self, url: str) -> dict[str, Any]:
        """What requests would take from the environment for ``url`` (proxies, CA bundle,
        client certificate, ``.netrc`` credentials when none are configured), read once
        per scheme and host: they do not change while the worker runs."""
        origin = urlsplit(url)[:2]
        found = self._origins.get(origin)
        if found is None:
            merged = requests.Session().merge_environment_settings(url, {}, None, None, None)
            found = {"proxies": merged["proxies"], "verify": merged["verify"],
                     "cert": merged["cert"],
                     "auth": self.auth or requests.utils.get_netrc_auth(url)}
            self._origins[origin] = found
        return found

    def payload(self, item: Outgoing) -> dict[str, Any]:
        body = {self.fields["to"]: item.to, self.fields["text"]: item.body}
        if self.fields["ref"]:
            body[self.fields["ref"]] = item.ref
        if self.fields["sender"]:
            body[self.fields["sender"]] = self.sender
        return body

    def send(self, item: Outgoing) -> str:
        body = self.payload(item)
        kwargs: dict[str, Any] = {"json": body} if self.body_format == "json" else {"data": body}
        try:
            response = self.session.post(self.url, **self._settings(self.url), headers=self.headers,
                                         timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise TransientError(f"gateway unreachable: {type(exc).__name__}") from exc
        if response.status_code == 429:  # slow down: the whole sender, not this message
            raise TransientError("gateway answered 429", retry_after=retry_after(response),
                                 kind=THROTTLE)
        if response.status_code >= 500 or response.status_code in RETRY_STATUSES:
            raise TransientError(f"gateway answered {response.status_code}")
        if response.status_code >= 400:
            raise PermanentError(f"gateway refused: {response.status_code} "
                                 f"{response.text[:200]}")
        return self._provider_id(response) or item.ref

    def probe(self, sample: Outgoing | None) -> bool:
        """``GET SMS_GATEWAY_HEALTH_URL``: any answer but a 5xx or 429 means the gateway is
        back. Without that address the next due message is the probe (False)."""
        if not self.health_url:
            return False
        try:
            response = self.session.get(self.health_url, **self._settings(self.health_url),
                                        headers=self.headers,
                                        timeout=self.timeout)
        except requests.RequestException as exc:
            raise TransientError(f"gateway unreachable: {type(exc).__name__}") from exc
        if response.status_code == 429:
            raise TransientError("gateway answered 429", retry_after=retry_after(response),
                                 kind=THROTTLE)
        if response.status_code >= 500:
            raise TransientError(f"gateway health answered {response.status_code}")
        return True

    def lookup(self, item: Outgoing, handed_at: datetime | None) -> str | None:
        """Ask the gateway whether it has the message (``SMS_GATEWAY_STATUS_URL``, with
        ``{ref}`` in it): 200 with its id, 404 for none. Without that address the gateway
        cannot tell, and the message goes again under the same reference."""
        ref = item.ref
        if not self.status_url:
            return None
        try:
            url = self.status_url.format(ref=ref)
            response = self.session.get(url, **self._settings(url), headers=self.headers,
                                        timeout=self.timeout)
        except requests.RequestException as exc:
            raise TransientError(f"gateway unreachable: {type(exc).__name__}") from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise TransientError(f"gateway status answered {response.status_code}")
        return self._provider_id(response) or ref

    def _provider_id(self, response: requests.Response) -> str | None:
        try:
            value: Any = response.json()
        except ValueError:
            return None
        for part in self.id_field.split("."):
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return str(value)
