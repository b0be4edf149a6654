"""``GET /api/v1/stream/counts``: the console's counts as server-sent events.

The first event of a stream is the poll's whole answer; each next one carries the same
``version`` and only the rows that changed (the console patches the rows it is given),
or the whole answer again when the version changed or the console fell behind.

Served only by the stream process (:mod:`services.booking.stream`), never by booking's
web workers: each open console holds its connection for minutes, and a thread of the
workers that answer bookings must not wait on it. The query and the roles are the
poll's (``/availability/counts``); each event is the poll's answer (``data``: its
JSON body or the changed rows of it, ``id``: its ETag), sent when the counts change,
and a comment every ``HEARTBEAT_SECONDS`` so a dropped console is noticed. After
``STREAM_SECONDS`` the stream ends and the browser opens it again, its token checked
again like any request.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.auth import roles_required
from services.common.web import API_PREFIX, reading

from ..reads.pushed import Hub
from .availability import LOOKERS, AvailabilityQuery, _scope

blp = Blueprint("stream", __name__, url_prefix=API_PREFIX,
                description="The console's counts pushed (the stream process only).")

HEARTBEAT_SECONDS = 15.0
STREAM_SECONDS = 300.0
RETRY_MS = 2000


def hub() -> Hub:
    found: Hub = current_app.extensions["booking_push_hub"]
    return found


@blp.route("/stream/counts")
class CountsStream(MethodView):
    @roles_required(*LOOKERS)
    @blp.arguments(AvailabilityQuery, location="query")
    @blp.response(200, description="text/event-stream: ``counts`` events, each the poll's "
                  "answer ({version, slots}) with its ETag as the event's id")
    def get(self, query: dict[str, Any]) -> Response:
        """The counts of a department's (or expert's) days, pushed as they change."""
        _scope(query)
        with reading() as w:
            first = query["date"] or w.desk.today
        scope = (first, query["days"], query.get("department_id"), query.get("expert_id"))
        return Response(_events(hub(), scope), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _events(source: Hub, scope: Any) -> Iterator[bytes]:
    topic = source.subscribe(scope)
    try:
        yield b"retry: %d\n\n" % RETRY_MS
        seen, ends = 0, time.monotonic() + STREAM_SECONDS
        while time.monotonic() < ends and not source.stopping:
            seen, event = source.next_event(topic, seen, HEARTBEAT_SECONDS)
            yield b": still here\n\n" if event is None else event
    finally:
        source.unsubscribe(topic)
