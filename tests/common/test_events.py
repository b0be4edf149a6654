"""The envelope of SPEC §2 survives a round trip and refuses what is not an envelope."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.events import Event, InvalidEvent

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@given(data=st.dictionaries(st.text(), json_values, max_size=5),
       event_type=st.text(min_size=1, max_size=40))
def test_envelope_round_trips_any_json_data(data, event_type) -> None:
    event = Event(type=event_type, data=data, source="booking")
    again = Event.from_json(event.to_json())
    assert again == event


def test_envelope_has_exactly_the_fields_of_the_spec() -> None:
    event = Event(type="booking.appointment.booked", data={"code": "ABCD2345"}, source="booking",
                  occurred_at=datetime(2026, 11, 23, 1, 2, 3, tzinfo=UTC))
    raw = json.loads(event.to_json())
    assert set(raw) == {"id", "type", "occurred_at", "source", "version", "data"}
    assert raw["occurred_at"] == "2026-11-23T01:02:03Z"
    assert raw["version"] == 1


@pytest.mark.parametrize("raw", [
    "[]",
    "not json",
    '{"type": "x", "source": "s", "version": 1, "data": {}, "occurred_at": "2026-01-01T00:00:00Z"}',
    '{"id": "nope", "type": "x", "source": "s", "version": 1, "data": {},'
    ' "occurred_at": "2026-01-01T00:00:00Z"}',
    '{"id": "6f1c2f1e-0d7b-4d5e-9a59-2f1b7a3c9d10", "type": "", "source": "s", "version": 1,'
    ' "data": {}, "occurred_at": "2026-01-01T00:00:00Z"}',
    '{"id": "6f1c2f1e-0d7b-4d5e-9a59-2f1b7a3c9d10", "type": "x", "source": "s", "version": 1,'
    ' "data": [], "occurred_at": "2026-01-01T00:00:00Z"}',
    '{"id": "6f1c2f1e-0d7b-4d5e-9a59-2f1b7a3c9d10", "type": "x", "source": "s", "version": 1,'
    ' "data": {}, "occurred_at": "2026-01-01T00:00:00"}',
])
def test_malformed_envelopes_are_refused(raw: str) -> None:
    with pytest.raises(InvalidEvent):
        Event.from_json(raw)
