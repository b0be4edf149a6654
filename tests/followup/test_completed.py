"""Followup hears that a visit was completed: the patient's record as it stands counts."""

from __future__ import annotations

from services.common.contracts.booking import AppointmentCompleted
from tests.followup.test_satisfaction import satisfaction_tasks
from tests.support.followup import Caller, Feed, Person


def test_consent_withdrawn_by_the_end_of_the_visit_withdraws_the_call(
        app, feed: Feed, li: Caller) -> None:
    person = Person("陈晓", satisfaction_consent=True)
    feed.checked_in(person, appointment_id=6001)
    assert len(satisfaction_tasks(li)) == 1
    person.satisfaction_consent = False  # unticked at the desk before the visit ended
    feed.deliver(feed.appointment(AppointmentCompleted, person, appointment_id=6001))
    assert satisfaction_tasks(li) == []
    assert len(satisfaction_tasks(li, "withdrawn")) == 1
