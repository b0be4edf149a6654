"""The stream process: booking's console counts pushed, apart from the booking workers.

``gunicorn -c python:services.booking.stream_gunicorn_conf "services.booking.stream:create_app()"``
(``clinic-run`` and docker-compose start it on ``STREAM_PORT``, 8005). One process, one
:class:`~.reads.pushed.Hub`, many threads: each open console holds one thread here and
none of the threads that answer bookings (docs/booking.md, *The console's stream*).
"""

from __future__ import annotations

from flask import Flask

from services.common.clock import Clock
from services.common.service import boot
from services.common.staff_copy import honoured_tokens
from services.common.web import create_base_app

from .api import stream
from .config import BookingSettings
from .models import MIGRATIONS, Base, Hospital, StaffTokens
from .reads.pushed import Hub


def create_app(settings: BookingSettings | None = None, clock: Clock | None = None) -> Flask:
    rt = boot(settings or BookingSettings.from_env(), MIGRATIONS, (), clock,
              metadata=Base.metadata, hospital=Hospital)
    rt.tokens = honoured_tokens(rt.db, StaffTokens)
    app, api = create_base_app(__name__, rt)
    api.register_blueprint(stream.blp)
    app.extensions["booking_push_hub"] = Hub(rt).start()
    return app
