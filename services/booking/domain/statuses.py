"""The states of appointments, holds and slots, and the moves between them (SPEC §3)."""

from __future__ import annotations

from enum import StrEnum

from .rules import RuleBroken


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class Action(StrEnum):
    """What staff, the patient or the system do to an appointment (recorded as such)."""

    BOOK = "book"
    WALK_IN = "walk_in"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"
    CHECK_IN = "check_in"
    UNDO_CHECK_IN = "undo_check_in"
    NO_SHOW = "no_show"
    UNDO_NO_SHOW = "undo_no_show"
    COMPLETE = "complete"
    REBOOK = "rebook"  # the patient takes an offered place after the hospital cancelled
    RESEND = "resend"  # the confirmation sent again; the status stays


S = AppointmentStatus
#: action → (statuses it applies to, status it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[AppointmentStatus], AppointmentStatus]] = {
    Action.CANCEL: (frozenset({S.BOOKED}), S.CANCELLED),
    Action.CHECK_IN: (frozenset({S.BOOKED}), S.CHECKED_IN),
    Action.UNDO_CHECK_IN: (frozenset({S.CHECKED_IN}), S.BOOKED),
    Action.NO_SHOW: (frozenset({S.BOOKED}), S.NO_SHOW),
    Action.UNDO_NO_SHOW: (frozenset({S.NO_SHOW}), S.BOOKED),
    Action.COMPLETE: (frozenset({S.CHECKED_IN}), S.COMPLETED),
    Action.REBOOK: (frozenset({S.CANCELLED}), S.BOOKED),
}
#: An appointment in one of these counts for "one per patient per expert per day".
ACTIVE = frozenset({S.BOOKED, S.CHECKED_IN})


def next_status(status: str, action: Action) -> AppointmentStatus:
    allowed, target = TRANSITIONS[action]
    if status not in allowed:
        raise RuleBroken("wrong_status", f"Cannot {action.replace('_', ' ')} an appointment "
                         f"that is {status.replace('_', ' ')}.")
    return target


class HoldStatus(StrEnum):
    ACTIVE = "active"
    USED = "used"
    RELEASED = "released"
    EXPIRED = "expired"


class SlotStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class CancelReason(StrEnum):
    PATIENT = "patient"
    HOSPITAL = "hospital"
    EXPERT_UNAVAILABLE = "expert_unavailable"


#: Cancellations the hospital made (停诊): the patient may take an offered place instead.
BY_THE_HOSPITAL = frozenset({CancelReason.HOSPITAL, CancelReason.EXPERT_UNAVAILABLE})


class Channel(StrEnum):
    CHAT = "chat"
    PHONE = "phone"
    WECHAT = "wechat"
    QQ = "qq"
    WALK_IN = "walk_in"
    OTHER = "other"
    FHIR = "fhir"  # a hospital system booked through ``/fhir`` (SPEC §13)


#: The channels only booking itself sets: a desk never claims them.
NOT_CHOSEN = frozenset({Channel.WALK_IN, Channel.FHIR})


class WaitStatus(StrEnum):
    """A waitlist entry: waiting until a place frees, then booked — or it ends."""

    WAITING = "waiting"
    BOOKED = "booked"
    CANCELLED = "cancelled"  # taken off the list by the desk
    EXPIRED = "expired"  # the day's booking closed before a place freed
    ENDED = "ended"  # could not be booked when its turn came (booked elsewhere, erased)
