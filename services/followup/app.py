"""Followup's composition root: ``create_app`` wires settings, database, bus and API."""

from __future__ import annotations

from flask import Flask

from services.common.clock import Clock
from services.common.dead_letters_api import dead_letters_blueprint
from services.common.pages import install_pages
from services.common.service import boot
from services.common.staff_copy import honoured_tokens
from services.common.web import create_base_app

from .api import pages, register_api
from .api.ui_text import ENGLISH
from .config import FollowupSettings
from .handlers import EVENT_TYPES
from .models import MIGRATIONS, Base, DeadLetter, Hospital, StaffTokens


def create_app(settings: FollowupSettings | None = None, clock: Clock | None = None) -> Flask:
    rt = boot(settings or FollowupSettings.from_env(), MIGRATIONS, EVENT_TYPES, clock,
              metadata=Base.metadata, hospital=Hospital)
    rt.tokens = honoured_tokens(rt.db, StaffTokens)
    app, api = create_base_app(__name__, rt)
    register_api(api)
    install_pages(app, ENGLISH)
    app.register_blueprint(pages.pages)
    api.register_blueprint(dead_letters_blueprint(DeadLetter))
    return app
