"""The dev outbox page makes the patient's link in a message a link the developer can
follow (it showed as plain text), and nothing else: only http(s) addresses on the
configured booking service, escaped, with rel=noreferrer."""

from __future__ import annotations

import re

from services.notify.api.pages import linked

BOOKING = "http://127.0.0.1:8002"


def _send(app, body: str) -> None:
    from services.notify.providers import Outgoing
    from services.notify.providers.outbox import OutboxProvider

    OutboxProvider(app.extensions["clinic"].db, "sms").send(
        Outgoing(ref="msg-1", channel="sms", to="+8613800138000", body=body))


def _signed_in(client, app) -> None:
    from services.common.auth import SESSION_COOKIE
    from services.common.tokens import issue_token

    secret = app.extensions["clinic"].settings.jwt_secret
    client.set_cookie(SESSION_COOKIE, issue_token(secret, "admin", ["admin"], ttl_seconds=60))


def test_the_patient_link_in_a_message_is_a_link_on_the_outbox_page(make_app) -> None:
    app = make_app("notify", booking_url=BOOKING)
    _send(app, f"【仁和医院】预约成功。查看或取消：{BOOKING}/p/Ab3dE5fG7hJ。回复TD退订")
    client = app.test_client()
    _signed_in(client, app)
    text = client.get("/outbox").get_data(as_text=True)
    links = re.findall(r"<a [^>]*>[^<]*</a>", text)
    assert (f'<a href="{BOOKING}/p/Ab3dE5fG7hJ" rel="noreferrer" target="_blank">'
            f"{BOOKING}/p/Ab3dE5fG7hJ</a>") in links, links
    assert "。回复TD退订" in text, "the sentence after the link stays text"


def test_only_the_booking_services_http_addresses_become_links() -> None:
    body = (f"<b>hi</b> & {BOOKING}/p/abc. "
            "evil https://evil.example/p/x javascript:alert(1) "
            f"{BOOKING}.evil.example/p/y "
            f'{BOOKING}/p/q"onmouseover="alert(1) '
            "ftp://127.0.0.1:8002/p/z http://127.0.0.1:8002@evil.example/p/w")
    link = '<a href="{0}" rel="noreferrer" target="_blank">{0}</a>'.format
    assert str(linked(body, BOOKING)) == (
        f"&lt;b&gt;hi&lt;/b&gt; &amp; {link(BOOKING + '/p/abc')}. "
        "evil https://evil.example/p/x javascript:alert(1) "
        f"{BOOKING}.evil.example/p/y "
        f"{link(BOOKING + '/p/q')}&#34;onmouseover=&#34;alert(1) "
        "ftp://127.0.0.1:8002/p/z http://127.0.0.1:8002@evil.example/p/w")


def test_no_links_when_the_booking_address_is_not_http() -> None:
    assert "<a" not in str(linked("javascript:alert(1)//p/x", "javascript:alert(1)//"))
