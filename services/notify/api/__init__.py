"""Notify's HTTP API under /api/v1: one blueprint per resource."""

from __future__ import annotations

from services.common.web import ClinicApi

from . import messages, webhooks


def register_api(api: ClinicApi) -> None:
    for module in (messages, webhooks):
        api.register_blueprint(module.blp)
