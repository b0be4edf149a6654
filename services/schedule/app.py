"""Schedule's composition root: ``create_app`` wires settings, database, bus and API."""

from __future__ import annotations

from flask import Flask

from services.common.clock import Clock
from services.common.config import ConfigError
from services.common.pages import install_pages
from services.common.runtime import Runtime
from services.common.service import boot
from services.common.web import create_base_app

from .api import pages, register_api
from .api.ui_text import ENGLISH
from .config import ScheduleSettings
from .domain.staff import DEMO_PASSWORD
from .models import MIGRATIONS, Base, Hospital
from .reads.staff import staff_with_password
from .reads.tokens import honoured_tokens


def create_app(settings: ScheduleSettings | None = None, clock: Clock | None = None) -> Flask:
    rt = boot(settings or ScheduleSettings.from_env(), MIGRATIONS, clock=clock,
              metadata=Base.metadata, hospital=Hospital)
    rt.tokens = honoured_tokens(rt.db)
    refuse_demo_passwords(rt)
    app, api = create_base_app(__name__, rt)
    register_api(api)
    install_pages(app, ENGLISH, serves_root=True)
    app.register_blueprint(pages.pages)
    return app


def refuse_demo_passwords(rt: Runtime[ScheduleSettings]) -> None:
    """Production must not start while any staff account still has the demo password."""
    if not rt.settings.is_production:
        return
    with rt.db.reading() as session:
        demo = staff_with_password(session, DEMO_PASSWORD)
    if demo:
        raise ConfigError(
            f"production refuses to start: staff {', '.join(demo)} still use the demo password; "
            "set new ones with `clinic-schedule staff create NAME --role ROLE`"
        )
