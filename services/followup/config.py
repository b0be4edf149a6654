"""Followup's settings (see :class:`services.common.config.Settings` for the shared ones)."""

from __future__ import annotations

import dataclasses
from datetime import time, timedelta
from typing import ClassVar

from services.common.config import ConfigError, Settings
from services.common.runtime import Runtime, current_runtime

from .domain.calling import CallingHours, CallRules
from .domain.objections import STANDARD, ExtraObjection, parse_extra


@dataclasses.dataclass(frozen=True)
class FollowupSettings(Settings):
    SERVICE: ClassVar[str] = "followup"
    DEFAULT_PORT: ClassVar[int] = 8004

    phone_region: str = "CN"
    followup_max_attempts: int = 3
    followup_spacing_hours: float = 2.0
    followup_call_start: time = time(9, 0)
    followup_call_end: time = time(20, 0)
    followup_enquiry_hours: float = 24.0
    followup_claim_minutes: int = 15
    #: Satisfaction calls open on the hospital day this many days after the check-in.
    followup_satisfaction_days: int = 1
    task_interval_seconds: float = 60.0
    #: Objections the hospital adds to the fixed list: ``code=中文=English;…``.
    followup_extra_objections: str = ""

    def __post_init__(self) -> None:
        """Calling hours that end before they start would leave every call never due."""
        if not self.followup_call_start < self.followup_call_end:
            raise ConfigError("FOLLOWUP_CALL_END must be after FOLLOWUP_CALL_START "
                              "(calling hours within one day, hospital time)")

    @property
    def rules(self) -> CallRules:
        return CallRules(
            max_attempts=self.followup_max_attempts,
            spacing=timedelta(hours=self.followup_spacing_hours),
            hours=CallingHours(self.followup_call_start, self.followup_call_end),
            claim=timedelta(minutes=self.followup_claim_minutes),
            enquiry_wait=timedelta(hours=self.followup_enquiry_hours),
            satisfaction_after=max(0, self.followup_satisfaction_days),
            objections=STANDARD + tuple(o.code for o in self.extra_objections))

    @property
    def extra_objections(self) -> tuple[ExtraObjection, ...]:
        return parse_extra(self.followup_extra_objections)


def runtime() -> Runtime[FollowupSettings]:
    """The running followup service, inside a request or an app context."""
    return current_runtime(FollowupSettings)
