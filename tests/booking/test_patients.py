"""Patients are records of their own (SPEC §8): a family shares a phone, a booking never
changes another patient, every full read and change is logged, erasure forgets."""

from __future__ import annotations

import json
from datetime import UTC, time, timedelta

import pytest
from sqlalchemy import select, text

from services.booking.domain.patients import InvalidPatient, check_id_number, clean_patient
from services.booking.models import AccessRecord, Appointment, OutboxMessage, Patient
from tests.support.booking import PHONES, Inventory, Staff, bearer, tomorrow

VALID_ID = "11010519491231002X"  # checksum right: born 1949-12-31, a woman
ADULT_ID = "110105198005120036"  # checksum right: born 1980-05-12, a man


def patient(name: str, phone: str = PHONES[0], **fields) -> dict:
    return {"name": name, "phone": phone, **fields}


def book(staff, slot_id: int, who: dict, **extra):
    return staff.post("/api/v1/appointments",
                      json={"slot_id": slot_id, "patient": who, "channel": "phone",
                            "complaint": extra.pop("complaint", "发热两天"), **extra})


def access(app) -> list[tuple[str, str, int]]:
    with app.extensions["clinic"].db.reading() as session:
        return [(r.staff, r.action, r.patient_id)
                for r in session.scalars(select(AccessRecord).order_by(AccessRecord.id))]


def test_two_names_on_one_phone_are_two_patients_and_both_can_see_one_expert(
        app, inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1, capacity=5)[0]
    ming = book(consultant, slot_id, patient("小明", email="ming@example.cn",
                                             email_consent=True, sms_consent=True))
    hong = book(consultant, slot_id, patient("小红", guardian_name="小明妈妈"))
    assert ming.status_code == 201 and hong.status_code == 201, hong.json
    assert ming.json["patient"]["id"] != hong.json["patient"]["id"]
    with app.extensions["clinic"].db.reading() as session:
        first = session.get(Patient, ming.json["patient"]["id"])
        assert (first.name, first.email, first.email_consent) == \
            ("小明", "ming@example.cn", True), "小红's booking changed nothing of 小明"
        owners = session.execute(select(Appointment.id, Patient.name).join(
            Patient, Patient.id == Appointment.patient_id)).all()
    assert sorted(name for _, name in owners) == ["小明", "小红"]


def test_the_same_name_written_another_way_is_the_same_patient(consultant, inv) -> None:
    slots = inv.session(tomorrow(), time(8), count=2)
    first = book(consultant, slots[0], patient("Li Wei"))
    again = book(consultant, slots[1], patient("  ＬＩ  ｗｅｉ "))
    assert again.status_code == 409 and again.json["code"] == "duplicate", \
        "full-width, spaced and cased, it is still Li Wei, who has this expert that day"
    assert again.json["existing"]["code"] == first.json["code"]


def test_a_field_left_out_never_erases_what_is_stored(app, inv, consultant) -> None:
    slots = inv.session(tomorrow(), time(8), count=1)
    other_day = inv.session(tomorrow() + timedelta(days=1), time(8), count=1)
    first = book(consultant, slots[0], patient("王芳", email="fang@example.cn",
                                               email_consent=True, sms_consent=True,
                                               id_number=VALID_ID))
    again = book(consultant, other_day[0], patient("王芳"))
    assert again.status_code == 201
    assert again.json["patient"]["id"] == first.json["patient"]["id"]
    with app.extensions["clinic"].db.reading() as session:
        stored = session.get(Patient, first.json["patient"]["id"])
        assert (stored.email, stored.email_consent, stored.sms_consent, stored.id_number) == \
            ("fang@example.cn", True, True, VALID_ID)
        assert str(stored.birth_date) == "1949-12-31" and stored.sex == "female"


def test_a_returning_patient_is_booked_by_id_and_may_be_updated(app, inv, consultant) -> None:
    slots = inv.session(tomorrow(), time(8), count=1)
    later = inv.session(tomorrow() + timedelta(days=2), time(8), count=1)
    first = book(consultant, slots[0], patient("赵敏"))
    patient_id = first.json["patient"]["id"]
    again = book(consultant, later[0], {"id": patient_id, "email": "min@example.cn"})
    assert again.status_code == 201 and again.json["patient"]["id"] == patient_id
    assert again.json["patient"]["email"] == "min@example.cn"
    missing = book(consultant, later[0], {"id": 999999})
    assert missing.status_code == 404


@pytest.mark.parametrize("who, field", [
    (patient("钱", id_number="110105194912310021"), "id_number"),
    (patient("钱", id_number=VALID_ID, sex="male"), "sex"),
    (patient("钱", id_number=VALID_ID, birth_date="1950-01-01"), "birth_date"),
    ({"name": "钱"}, "phone"),
    ({"phone": PHONES[1]}, "name"),
])
def test_patient_fields_are_checked(inv, consultant, who, field) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    refused = book(consultant, slot_id, who)
    assert refused.status_code == 422
    assert field in refused.json["errors"]["json"]["patient"]


def test_an_adults_date_of_birth_is_kept_and_checked_against_the_identity_card(
        app, inv, consultant, clock) -> None:
    """Issue 27 item 12: a birth date before 2000 was refused by the 2000–2100 bound of
    the dates a clinic runs, so no adult's could be recorded nor checked against the card."""
    slots = inv.session(tomorrow(), time(8), count=1, capacity=5)
    alone = book(consultant, slots[0], patient("吴刚", birth_date="1980-05-12"))
    assert alone.status_code == 201, alone.json
    carded = book(consultant, slots[0], patient("郑强", phone=PHONES[1], id_number=ADULT_ID,
                                                birth_date="1980-05-12", sex="male"))
    assert carded.status_code == 201, carded.json
    with app.extensions["clinic"].db.reading() as session:
        stored = session.get(Patient, carded.json["patient"]["id"])
        assert str(stored.birth_date) == "1980-05-12" and stored.sex == "male"
    other = book(consultant, slots[0], patient("冯军", phone=PHONES[2], id_number=ADULT_ID,
                                               birth_date="1981-05-12"))
    assert other.status_code == 422, "the card says 1980-05-12: the cross-check ran"
    assert "differs" in str(other.json["errors"]["json"]["patient"]["birth_date"])
    today = clock.now().astimezone(UTC).date()
    for refused in ("1899-12-31", (today + timedelta(days=2)).isoformat()):
        answer = book(consultant, slots[0], patient("褚明", phone=PHONES[3], birth_date=refused))
        assert answer.status_code == 422, refused
        assert "birth_date" in answer.json["errors"]["json"]["patient"]
    newborn = book(consultant, slots[0], patient("卫小宝", phone=PHONES[4],
                                                 birth_date=today.isoformat(),
                                                 guardian_name="卫母"))
    assert newborn.status_code == 201, newborn.json


def test_the_identity_card_number_is_always_answered_masked(app, inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    booked = book(consultant, slot_id, patient("孙丽", id_number=VALID_ID)).json
    record = consultant.get(f"/api/v1/patients/{booked['patient']['id']}").json
    assert record["id_number"] == "1101**********002X"
    assert VALID_ID not in json.dumps(record)


def test_desks_find_returning_patients_masked_and_open_one_fully(app, inv, consultant,
                                                                 staff) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    booked = book(consultant, slot_id, patient("周杰", email="jie@example.cn")).json
    found = consultant.get(f"/api/v1/patients?phone={PHONES[0]}").json
    assert [p["name"] for p in found] == ["周杰"]
    assert found[0]["phone"].endswith("8000") and PHONES[0] not in json.dumps(found)
    assert consultant.get("/api/v1/patients?q=周").json[0]["id"] == booked["patient"]["id"]
    assert consultant.get("/api/v1/patients").status_code == 422
    record = consultant.get(f"/api/v1/patients/{booked['patient']['id']}").json
    assert record["phone"] == "+86" + PHONES[0] and record["email"] == "jie@example.cn"
    assert [a["code"] for a in record["appointments"]] == [booked["code"]]
    for role in ("manager", "admin"):
        assert staff(role).get(f"/api/v1/patients/{booked['patient']['id']}").status_code \
            == 403
    assert staff("manager").get(f"/api/v1/patients?phone={PHONES[0]}").status_code == 403
    refused = staff("admin").get(f"/api/v1/patients?phone={PHONES[0]}")
    assert refused.status_code == 403 and refused.json["code"] == "phone_search_not_allowed"
    for query in ("q=周杰", f"code={booked['code']}", f"id={booked['patient']['id']}"):
        masked = staff("admin").get(f"/api/v1/patients?{query}").json
        assert [p["id"] for p in masked] == [booked["patient"]["id"]], query
        assert PHONES[0] not in json.dumps(masked)


def test_each_full_read_and_each_change_writes_one_access_record(app, inv, consultant,
                                                                 staff) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    other = inv.session(tomorrow() + timedelta(days=1), time(8), count=1)[0]
    booked = book(consultant, slot_id, patient("吴刚")).json
    pid = booked["patient"]["id"]
    assert access(app) == [("li", "create_patient", pid), ("li", "book", pid)]
    consultant.get(f"/api/v1/patients/{pid}")
    consultant.get(f"/api/v1/appointments/{booked['id']}")
    staff("manager").get(f"/api/v1/appointments/{booked['id']}")  # masked: not a full read
    consultant.get(f"/api/v1/patients?phone={PHONES[0]}")  # masked, but a phone search
    book(consultant, other, {"id": pid, "email": "gang@example.cn"})
    assert access(app)[2:] == [("li", "view_patient", pid), ("li", "view_appointment", pid),
                               ("li", "search_phone", pid),
                               ("li", "update_patient", pid), ("li", "book", pid)]
    log = staff("admin").get(f"/api/v1/access-log?patient_id={pid}").json
    assert log[0]["action"] == "book" and len(log) == 7, "newest first"
    assert staff("manager").get("/api/v1/access-log").status_code == 403


@pytest.mark.postgres
def test_a_new_patient_is_known_as_new_on_postgresql_too(make_app, pg_url) -> None:
    """The driver's rowcount once said -1 for the patient's insert on PostgreSQL, so every
    new patient was taken for a known one: no creation in the access log."""
    app = make_app("booking", database_url=pg_url)
    slot_id = Inventory(app).session(tomorrow(), time(8), count=1)[0]
    pid = book(Staff(app, bearer("consultant", "li")), slot_id, patient("吴刚")).json[
        "patient"]["id"]
    assert access(app) == [("li", "create_patient", pid), ("li", "book", pid)]
    app.extensions["clinic"].db.dispose()


def test_the_access_log_cannot_be_changed_or_emptied(app, inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    book(consultant, slot_id, patient("郑和"))
    db = app.extensions["clinic"].db
    for statement in ("UPDATE access_log SET staff = 'nobody'", "DELETE FROM access_log"):
        with pytest.raises(Exception, match="append-only"), db.transaction() as session:
            session.execute(text(statement))
    assert len(access(app)) == 2


def test_managers_and_admins_see_contact_data_masked_and_no_complaint(inv, consultant,
                                                                      staff) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    booked = book(consultant, slot_id, patient("冯妍", email="yan@example.cn"),
                  complaint="反复胸痛").json
    for role in ("manager", "admin"):
        answer = staff(role).get(f"/api/v1/appointments/{booked['id']}").json
        text_of = json.dumps(answer, ensure_ascii=False)
        assert PHONES[0] not in text_of and "yan@example.cn" not in text_of
        assert "反复胸痛" not in text_of and "/p/" not in text_of
        assert answer["history"][0]["action"] == "book"
    own = consultant.get(f"/api/v1/appointments/{booked['id']}").json
    assert own["complaint"] == "反复胸痛" and "patient_link" not in own, \
        "the link goes to the patient only, in the booking answer and the messages"


def test_a_landline_is_booked_but_known_to_take_no_sms(app, inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    check = consultant.get("/api/v1/phone-check?phone=021-5555 0100").json
    assert check == {"valid": True, "mobile": False,
                     "message": "Not a mobile number: no SMS can reach it."}
    assert consultant.get("/api/v1/phone-check?phone=(+86)１３８ 0013 8020").json["mobile"]
    booked = book(consultant, slot_id, patient("陈老", phone="021-5555 0100", sms_consent=True))
    assert booked.status_code == 201 and booked.json["patient"]["mobile"] is False
    with app.extensions["clinic"].db.reading() as session:
        [body] = session.scalars(select(OutboxMessage.body).where(
            OutboxMessage.event_type == "booking.appointment.booked"))
    assert json.loads(body)["data"]["patient"]["mobile"] is False


# --- identity card numbers (issue 29 item 8) --------------------------------------------------

def mod_11_2(body: str) -> str:
    """ISO 7064 MOD 11-2 written out independently of the code's weight table."""
    total = sum(int(digit) * (2 ** (17 - i) % 11) for i, digit in enumerate(body))
    return "0123456789X"[(12 - total % 11) % 11]


#: One valid number per check character (GB 11643's own example first), so a changed
#: weight or a swapped check character fails.
VALID_IDS = {
    "11010519491231002X": "X", "440304199001010070": "0", "440304199001010011": "1",
    "440304199001010062": "2", "440304199001010193": "3", "440304199001010054": "4",
    "440304199001010185": "5", "440304199001010046": "6", "440304199001010097": "7",
    "440304199001010038": "8", "440304199001010089": "9", "44030419900101002X": "X",
    ADULT_ID: "6",
}
CHECK_WRONG = "The identity card number's check character is wrong; check the digits."
NO_DATE = "The identity card number holds no real date of birth."
BAD_FORM = ("An identity card number has 17 digits and a check character (a digit or X).")


def test_the_check_characters_of_the_table_are_right() -> None:
    for number, check in VALID_IDS.items():
        assert number[-1] == check == mod_11_2(number[:17]), number


@pytest.mark.parametrize("number", sorted(VALID_IDS))
def test_every_valid_number_is_accepted_and_every_other_check_character_refused(
        number: str) -> None:
    assert check_id_number(number).value == number
    for wrong in "0123456789X":
        if wrong == number[-1]:
            continue
        with pytest.raises(InvalidPatient) as refused:
            check_id_number(number[:17] + wrong)
        assert (refused.value.field, str(refused.value)) == ("patient.id_number", CHECK_WRONG)


def test_the_card_says_the_birth_date_and_the_sex() -> None:
    woman, man = check_id_number(VALID_ID), check_id_number(ADULT_ID)
    assert (str(woman.birth_date), woman.sex) == ("1949-12-31", "female")
    assert (str(man.birth_date), man.sex) == ("1980-05-12", "male")
    assert check_id_number("440304199001010070").sex == "male", "7: odd"
    assert check_id_number("44030419900101002X").sex == "female", "2: even"


def with_check(body: str) -> str:
    return body + mod_11_2(body)


#: Malformed numbers, each refused with the field and the reason (checksums made right
#: where the point is the date, so it is the date check that refuses them).
MALFORMED = [
    ("11010519800512003", BAD_FORM),  # 17 characters
    ("1101051980051200366", BAD_FORM),  # 19
    ("110105198005120036 0", BAD_FORM),  # a space inside
    ("11010519800512003A", BAD_FORM),  # a check letter that is not X
    ("1101051980O512003X", BAD_FORM),  # a letter O among the digits
    ("11010519800512003-", BAD_FORM),
    ("١١٠١٠٥١٩٨٠٠٥١٢٠٠٣6", BAD_FORM),  # Arabic-Indic digits: str.isdigit says yes
    ("፩፩፩፩፩፩፩፩፩፩፩፩፩፩፩፩፩1", BAD_FORM),  # Ethiopic digits: int() fails on them (was a 500)
    ("❶❶❶❶❶❶❶❶❶❶❶❶❶❶❶❶❶1", BAD_FORM),  # dingbat digits, the same
    (with_check("11010519801332003"), NO_DATE),  # month 13, day 32
    (with_check("11010519800230003"), NO_DATE),  # 30 February
    (with_check("11010519810229003"), NO_DATE),  # 29 February of a common year
    (with_check("11010500000512003"), NO_DATE),  # year 0000
    (with_check("11010500010101003"), NO_DATE),  # year 0001: stored before
    (with_check("11010518991231003"), NO_DATE),  # before 1900, the birth date's bound
    (with_check("11010519800012003"), NO_DATE),  # month 00
    (with_check("11010519800500003"), NO_DATE),  # day 00
    ("110105198005120035", CHECK_WRONG),
]


@pytest.mark.parametrize("number, message", MALFORMED)
def test_malformed_numbers_are_refused_with_the_field(number: str, message: str) -> None:
    with pytest.raises(InvalidPatient) as refused:
        check_id_number(number)
    assert (refused.value.field, str(refused.value)) == ("patient.id_number", message)


@pytest.mark.parametrize("typed, stored", [
    ("11010519491231002x", VALID_ID),  # lowercase x
    ("１１０１０５１９４９１２３１００２Ｘ", VALID_ID),  # full-width, as a Chinese IME types
    ("１１０１０５１９４９１２３１００２ｘ", VALID_ID),
    (" 110105198005120036\n", ADULT_ID),
    (with_check("11010519800229003"), with_check("11010519800229003")),  # a leap day
])
def test_numbers_written_another_way_are_folded(typed: str, stored: str) -> None:
    assert check_id_number(typed).value == stored


@pytest.mark.parametrize("number, message", MALFORMED)
@pytest.mark.parametrize("told", [{}, {"birth_date": "1980-05-12"}, {"sex": "male"},
                                  {"birth_date": "1980-05-12", "sex": "unknown"}])
def test_a_malformed_number_is_a_422_naming_the_field_never_a_500(
        inv, consultant, number, message, told) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    refused = book(consultant, slot_id, patient("钱", id_number=number, **told))
    assert refused.status_code == 422, refused.json
    assert refused.json["errors"]["json"]["patient"] == {"id_number": [message]}


def test_a_number_typed_another_way_is_stored_folded(app, inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1, capacity=5)[0]
    for n, typed in enumerate(("11010519491231002x", "１１０１０５１９８００５１２００３６")):
        booked = book(consultant, slot_id, patient(f"钱{n}", phone=PHONES[n], id_number=typed))
        assert booked.status_code == 201, booked.json
        with app.extensions["clinic"].db.reading() as session:
            stored = session.get(Patient, booked.json["patient"]["id"])
            assert stored.id_number == (VALID_ID, ADULT_ID)[n]


# --- names: stored as cleaned, the guardian's too --------------------------------------------

def test_a_multi_word_name_and_the_guardians_name_are_stored_cleaned_and_read_back(
        app, inv, consultant) -> None:
    slot_id = inv.session(tomorrow(), time(8), count=1)[0]
    booked = book(consultant, slot_id, patient("  Mary　Ann   Lee ", guardian_name=" 李　 秀兰  "))
    assert booked.status_code == 201, booked.json
    pid = booked.json["patient"]["id"]
    assert booked.json["patient"]["name"] == "Mary Ann Lee"
    with app.extensions["clinic"].db.reading() as session:
        stored = session.get(Patient, pid)
        assert (stored.name, stored.guardian_name) == ("Mary Ann Lee", "李 秀兰")
    record = consultant.get(f"/api/v1/patients/{pid}").json
    assert (record["name"], record["guardian_name"]) == ("Mary Ann Lee", "李 秀兰")
    again = book(consultant, slot_id, {"id": pid, "guardian_name": "王大力"})
    assert again.status_code == 409 and again.json["code"] == "duplicate"
    later = inv.session(tomorrow() + timedelta(days=1), time(8), count=1)[0]
    moved = book(consultant, later, {"id": pid, "guardian_name": "  王  大力 "})
    assert moved.status_code == 201
    assert consultant.get(f"/api/v1/patients/{pid}").json["guardian_name"] == "王 大力"


def test_a_blank_guardian_name_is_refused_with_its_field() -> None:
    with pytest.raises(InvalidPatient) as refused:
        clean_patient({"name": "小宝", "phone": PHONES[0], "guardian_name": " 　 "})
    assert refused.value.field == "patient.guardian_name"
