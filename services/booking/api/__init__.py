"""Booking's HTTP API under /api/v1: one blueprint per resource, plus the pages."""

from __future__ import annotations

from services.common.web import ClinicApi

from . import (
    access_log,
    appointments,
    availability,
    holds,
    patient_link,
    patients,
    roster,
    stats,
    waitlist,
)


def register_api(api: ClinicApi) -> None:
    for module in (availability, holds, appointments, waitlist, patients, roster, stats,
                   access_log, patient_link):
        api.register_blueprint(module.blp)
