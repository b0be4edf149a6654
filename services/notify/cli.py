"""``clinic-notify``: migrate, worker and dead letters."""

from __future__ import annotations

from services.common.cli import service_cli

from .app import MIGRATIONS
from .config import NotifySettings
from .handlers import EVENT_TYPES
from .models import Base, DeadLetter
from .worker import run_worker

cli = service_cli(NotifySettings, MIGRATIONS, DeadLetter, run_worker, EVENT_TYPES,
                  metadata=Base.metadata)


def main() -> None:
    cli(obj={})
