"""Notify's composition root: ``create_app`` wires settings, database, bus and API."""

from __future__ import annotations

from flask import Flask

from services.common.clock import Clock
from services.common.dead_letters_api import dead_letters_blueprint
from services.common.pages import install_pages
from services.common.service import boot
from services.common.staff_copy import honoured_tokens
from services.common.web import create_base_app

from .api import pages, register_api
from .config import NotifySettings
from .handlers import EVENT_TYPES
from .models import MIGRATIONS, Base, DeadLetter, Hospital, StaffTokens
from .ops.composing import check_sms_templates


def create_app(settings: NotifySettings | None = None, clock: Clock | None = None) -> Flask:
    settings = settings or NotifySettings.from_env()
    check_sms_templates(settings)  # a template that can never be filled stops us here
    rt = boot(settings, MIGRATIONS, EVENT_TYPES, clock,
              metadata=Base.metadata, hospital=Hospital)
    rt.tokens = honoured_tokens(rt.db, StaffTokens)
    app, api = create_base_app(__name__, rt)
    register_api(api)
    install_pages(app, pages.ENGLISH)
    app.register_blueprint(pages.pages)
    api.register_blueprint(dead_letters_blueprint(DeadLetter))
    return app
