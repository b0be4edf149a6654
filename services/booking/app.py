"""Booking's composition root: ``create_app`` wires settings, database, bus and API."""

from __future__ import annotations

from flask import Flask

from services.common.dead_letters_api import dead_letters_blueprint
from services.common.pages import install_pages
from services.common.service import boot
from services.common.web import create_base_app

from .api import patient_link, register_api
from .config import BookingSettings
from .handlers import EVENT_TYPES
from .models import DeadLetter
from .pages import pages
from .ui_text import ENGLISH

MIGRATIONS = "services.booking:migrations"


def create_app(settings: BookingSettings | None = None) -> Flask:
    rt = boot(settings or BookingSettings.from_env(), MIGRATIONS, EVENT_TYPES)
    app, api = create_base_app(__name__, rt)
    register_api(api)
    install_pages(app, ENGLISH)
    app.register_blueprint(patient_link.pages)
    app.register_blueprint(pages)
    api.register_blueprint(dead_letters_blueprint(DeadLetter))
    return app
