"""``/outbox``: the dev outbox page — the SMS and emails the embedded default "sent"."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, render_template
from markupsafe import Markup, escape

from services.common.auth import current_principal
from services.common.pages import page
from services.common.unit_of_work import reading

from ..config import runtime
from ..reads.messages import dev_outbox

#: English for the dev outbox page (the Chinese text is the key).
ENGLISH = {
    "开发发件箱": "Dev outbox", "还没有消息。": "Nothing yet.",
    "嵌入式默认模式下，短信和邮件写在这里，不会真正发出。":
        "Under the embedded default, SMS and emails are written here and never really sent.",
    "短信": "SMS", "邮件": "Email",
}

pages = Blueprint("outbox_pages", __name__, template_folder="../templates")

#: A web address in a message body: up to white space, a quote or an angle bracket, or
#: the Chinese punctuation an SMS puts after it.
_URL = re.compile(r"""https?://[^\s<>"'，。；、）】]+""")
#: Stops a sentence rather than the address it follows.
_TRAILING = ".,;:!?)]}"


def linked(body: str, booking_url: str) -> Markup:
    """The body, escaped, with each link to the booking service (the patient's link) made
    a link a developer can follow; any other address stays text. Only ``http(s)`` on the
    configured booking origin, so a message cannot put a ``javascript:`` or another site's
    address under the admin's click; ``rel=noreferrer`` keeps this page out of the
    patient page's logs."""
    base = urlsplit(booking_url)
    allowed = base.scheme in ("http", "https") and base.netloc
    prefix = booking_url.rstrip("/") + "/"
    out: list[Markup] = []
    last = 0
    for found in _URL.finditer(body):
        url = found.group().rstrip(_TRAILING)
        end = found.start() + len(url)
        out.append(escape(body[last:found.start()]))
        if allowed and url.startswith(prefix) and urlsplit(url).netloc == base.netloc:
            out.append(Markup('<a href="{}" rel="noreferrer" target="_blank">{}</a>')
                       .format(url, url))
        else:
            out.append(escape(url))
        last = end
    out.append(escape(body[last:]))
    return Markup("").join(out)


@pages.get("/outbox")
@page("admin")
def outbox() -> Any:
    """Newest first, times on the hospital's clock, recipients masked as in every list;
    only outside production, where nothing here reaches a patient.

    An admin's page: the bodies are the whole SMS and emails, patient links included,
    which no list shows to other staff (a manager never sees a link, SPEC §8); other
    roles get the page that says who may see it (403)."""
    rt = runtime()
    if rt.settings.is_production:
        abort(404)
    with reading(rt, current_principal().username) as look:
        items = dev_outbox(look.session, look.desk.zone)
    booking_url = rt.settings.booking_url
    return render_template("outbox.html", items=items,
                           linked=lambda body: linked(body, booking_url))
