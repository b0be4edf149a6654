"""How notify makes recipients comparable (opt-outs are kept under this form): plain Python.

Written for the mutants `make mutate` found surviving (docs/mutation.md): no test called
``normalise_recipient`` directly, so its e-mail check and its region could break unnoticed.
"""

from __future__ import annotations

import pytest

from services.notify.domain.recipients import (
    InvalidRecipient,
    normalise_phone,
    normalise_recipient,
)


@pytest.mark.parametrize("raw", ["patient.example.com", "@example.com", "patient@", "@", "",
                                 "   "])
def test_an_email_address_needs_something_on_both_sides_of_the_at(raw: str) -> None:
    with pytest.raises(InvalidRecipient):
        normalise_recipient("email", raw, "CN")


def test_an_email_address_is_kept_as_written_without_the_spaces_around_it() -> None:
    assert normalise_recipient("email", "  Li.Lei@Example.com \n", "CN") == "Li.Lei@Example.com"
    assert normalise_recipient("email", "a@b", "CN") == "a@b"


def test_an_sms_recipient_is_a_phone_in_e164_read_in_the_hospital_s_region() -> None:
    assert normalise_recipient("sms", " 138 0013 8000 ", "CN") == "+8613800138000"
    assert normalise_recipient("sms", "020 7946 0958", "GB") == "+442079460958"
    assert normalise_phone("(020) 7946 0958", "GB") == "+442079460958"
    with pytest.raises(InvalidRecipient):
        normalise_recipient("sms", "patient@example.com", "CN")
    with pytest.raises(InvalidRecipient) as refused:
        normalise_phone("12345", "CN")
    assert str(refused.value) == "This phone number does not exist; check the digits."
