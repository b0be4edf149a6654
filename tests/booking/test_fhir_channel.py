"""The channel ``fhir`` (SPEC §13): booking sets it on what a hospital system booked
through ``/fhir``; a desk cannot claim it, and every page and CSV that names channels
has a word for it."""

from __future__ import annotations

from datetime import time
from pathlib import Path

from services.booking.api.csv_files import CHANNEL_WORDS
from services.booking.domain.statuses import Channel
from tests.support.booking import PHONES, tomorrow

STATIC = Path(__file__).parents[2] / "services" / "booking" / "static"


def test_a_desk_cannot_book_or_wait_as_a_hospital_system(inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    booked = consultant.book(slot_id, channel="fhir")
    assert booked.status_code == 422 and "channel" in booked.json["errors"]["json"]
    waiting = consultant.post("/api/v1/waitlist", json={
        "expert_id": 1, "date": tomorrow().isoformat(), "channel": "fhir",
        "patient": {"name": "张三", "phone": PHONES[0]}})
    assert waiting.status_code == 422 and "channel" in waiting.json["errors"]["json"]


def test_every_channel_has_its_words_in_the_csvs_and_on_the_pages() -> None:
    assert set(CHANNEL_WORDS) == {c.value for c in Channel}
    assert CHANNEL_WORDS["fhir"].zh == "对接系统"
    stats = (STATIC / "stats.js").read_text()
    for channel in Channel:
        assert f"{channel.value}: " in stats, channel
    assert 'fhir: t("对接系统", "hospital system")' in (STATIC / "roster.js").read_text()
