"""Notify's HTTP API under /api/v1: one blueprint per resource, plus the dev outbox page."""

from __future__ import annotations

from services.common.web import ClinicApi

from . import (
    access_log,
    aliyun_callbacks,
    messages,
    opt_outs,
    patients,
    tencent_callbacks,
    webhooks,
)


def register_api(api: ClinicApi) -> None:
    for module in (access_log, aliyun_callbacks, messages, opt_outs, patients, tencent_callbacks,
                   webhooks):
        api.register_blueprint(module.blp)
