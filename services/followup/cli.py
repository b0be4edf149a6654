"""``clinic-followup``: migrate, worker and dead letters."""

from __future__ import annotations

from services.common.cli import service_cli

from .config import FollowupSettings
from .handlers import EVENT_TYPES
from .models import MIGRATIONS, Base, DeadLetter, Hospital
from .worker import run_worker

cli = service_cli(FollowupSettings, MIGRATIONS, DeadLetter, run_worker, EVENT_TYPES,
                  metadata=Base.metadata, hospital=Hospital)


def main() -> None:
    cli(obj={})
