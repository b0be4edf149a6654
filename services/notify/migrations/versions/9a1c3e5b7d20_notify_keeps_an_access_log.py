"""notify keeps an access log: every export of a patient's messages

Revision ID: 9a1c3e5b7d20
Revises: 4037d6a27928
Create Date: 2026-12-06 09:30:00.000000
"""
from alembic import op
import sqlalchemy as sa

import services.common.db


revision = '9a1c3e5b7d20'
down_revision = '4037d6a27928'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', services.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('staff', sa.String(length=60), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_log_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_log_staff'), ['staff'], unique=False)
    append_only()


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
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_log_staff'))
        batch_op.drop_index(batch_op.f('ix_access_log_patient_id'))
        batch_op.drop_index(batch_op.f('ix_access_log_at'))
    op.drop_table('access_log')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS access_log_append_only()")
