"""Schedule's HTTP API under /api/v1: one blueprint per resource."""

from __future__ import annotations

from services.common.web import ClinicApi

from . import auth, departments, experts, hospital, slots, staff


def register_api(api: ClinicApi) -> None:
    for module in (auth, staff, hospital, departments, experts, slots):
        api.register_blueprint(module.blp)
