"""Booking's HTTP API under /api/v1: one blueprint per resource."""

from __future__ import annotations

from services.common.web import ClinicApi

from . import appointments, availability, patient_link, roster


def register_api(api: ClinicApi) -> None:
    for module in (availability, appointments, roster, patient_link):
        api.register_blueprint(module.blp)
