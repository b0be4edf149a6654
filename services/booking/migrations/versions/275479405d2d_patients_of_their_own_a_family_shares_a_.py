"""patients of their own: a family shares a phone; access log

Patients were keyed by phone, so booking 小红 on 小明's phone renamed 小明. This
revision splits those rows: each appointment goes back to a patient with the
name it was booked with (read from booking's own ``booking.appointment.booked``
events, still in the outbox), with the email and consents given at that
booking. Appointments whose event is gone stay with the row they have. Then a
patient is keyed by phone and normalised name.

Revision ID: 275479405d2d
Revises: d5943e1db1e0
Create Date: 2026-11-23 13:17:46.454719
"""
import json
import unicodedata

import phonenumbers
import sqlalchemy as sa
from alembic import op

import services.common.db

revision = '275479405d2d'
down_revision = 'd5943e1db1e0'
branch_labels = None
depends_on = None

MOBILE = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def name_key(name: str) -> str:
    """As ``services.booking.domain.patients.name_key`` was when this revision was written."""
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def is_mobile(phone: str) -> bool:
    try:
        return phonenumbers.number_type(phonenumbers.parse(phone)) in MOBILE
    except phonenumbers.NumberParseException:
        return False


def upgrade() -> None:
    op.create_table('access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', services.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('staff', sa.String(length=60), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_access_log_at', 'access_log', ['at'], unique=False)
    op.create_index('ix_access_log_patient_id', 'access_log', ['patient_id'], unique=False)
    op.create_index('ix_access_log_staff', 'access_log', ['staff'], unique=False)
    append_only()

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('patient_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_outbox_patient_id', ['patient_id'], unique=False)

    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('mobile', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('id_number', sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column('birth_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('sex', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('guardian_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('erased_at', services.common.db.UTCDateTime(timezone=True), nullable=True))

    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint('patients_phone_key', 'patients', type_='unique')
    else:
        naming = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
        with op.batch_alter_table('patients', naming_convention=naming) as batch_op:
            batch_op.drop_constraint('uq_patients_phone', type_='unique')

    split_shared_phones()

    with op.batch_alter_table('patients') as batch_op:
        batch_op.alter_column('name_key', existing_type=sa.String(length=120), nullable=False)
        batch_op.alter_column('mobile', existing_type=sa.Boolean(), nullable=False)
        batch_op.create_index('uq_patients_phone_name', ['phone', 'name_key'], unique=True)


def split_shared_phones() -> None:
    conn = op.get_bind()
    booked_as: dict[int, dict] = {}
    for (body,) in conn.execute(sa.text(
            "SELECT body FROM outbox WHERE event_type = 'booking.appointment.booked'")):
        data = json.loads(body)["data"]
        booked_as[data["appointment_id"]] = data.get("patient") or {}
    patients = conn.execute(sa.text(
        "SELECT id, phone, name, created_at, updated_at FROM patients ORDER BY id")).all()
    for patient_id, phone, name, created_at, updated_at in patients:
        groups: dict[str, list[tuple[int, dict]]] = {}
        for (appointment_id,) in conn.execute(sa.text(
                "SELECT id FROM appointments WHERE patient_id = :p ORDER BY id"),
                {"p": patient_id}):
            told = booked_as.get(appointment_id, {})
            groups.setdefault(name_key(told.get("name") or name), []).append(
                (appointment_id, told))
        for key, members in groups.items():
            if key == name_key(name):
                continue
            latest = members[-1][1]
            conn.execute(sa.text(
                "INSERT INTO patients (phone, name, email, sms_consent, email_consent, "
                "created_at, updated_at) VALUES (:phone, :name, :email, :sms, :mail, :c, :u)"),
                {"phone": phone, "name": latest["name"], "email": latest.get("email"),
                 "sms": bool(latest.get("sms_consent")), "mail": bool(latest.get("email_consent")),
                 "c": created_at, "u": updated_at})
            new_id = conn.execute(sa.text(
                "SELECT max(id) FROM patients WHERE phone = :phone"), {"phone": phone}).scalar()
            for appointment_id, _ in members:
                conn.execute(sa.text("UPDATE appointments SET patient_id = :n WHERE id = :a"),
                             {"n": new_id, "a": appointment_id})
    for patient_id, phone, name in conn.execute(sa.text(
            "SELECT id, phone, name FROM patients")).all():
        conn.execute(sa.text("UPDATE patients SET name_key = :k, mobile = :m WHERE id = :p"),
                     {"k": name_key(name), "m": is_mobile(phone), "p": patient_id})
    for (outbox_id, body) in conn.execute(sa.text(
            "SELECT id, body FROM outbox WHERE event_type LIKE 'booking.appointment.%'")).all():
        appointment_id = json.loads(body)["data"].get("appointment_id")
        conn.execute(sa.text(
            "UPDATE outbox SET patient_id = (SELECT patient_id FROM appointments WHERE id = :a) "
            "WHERE id = :o"), {"a": appointment_id, "o": outbox_id})


def append_only() -> None:
    """The database itself refuses to change or remove an access record."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION access_log_append_only() RETURNS trigger AS $$ BEGIN "
                   "RAISE EXCEPTION 'access_log is append-only'; END $$ LANGUAGE plpgsql")
        op.execute("CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON "
                   "access_log FOR EACH ROW EXECUTE FUNCTION access_log_append_only()")
        op.execute("CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log "
                   "FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only()")
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER access_log_no_{verb.lower()} BEFORE {verb} ON access_log "
                   "BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END")


def downgrade() -> None:
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_index('uq_patients_phone_name')
        batch_op.drop_column('erased_at')
        batch_op.drop_column('guardian_name')
        batch_op.drop_column('sex')
        batch_op.drop_column('birth_date')
        batch_op.drop_column('id_number')
        batch_op.drop_column('mobile')
        batch_op.drop_column('name_key')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_patient_id')
        batch_op.drop_column('patient_id')
    op.drop_table('access_log')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS access_log_append_only()")
