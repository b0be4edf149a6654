"""Followup's HTTP API under /api/v1: one blueprint per resource, plus the pages."""

from __future__ import annotations

from services.common.web import ClinicApi

from . import (
    access_log,
    answers,
    complaints,
    do_not_call,
    enquiries,
    funnel,
    patients,
    satisfaction,
    tasks,
)


def register_api(api: ClinicApi) -> None:
    for module in (enquiries, tasks, do_not_call, funnel, patients, access_log, answers,
                   complaints, satisfaction):
        api.register_blueprint(module.blp)
