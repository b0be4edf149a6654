"""slots tell their changes: a NOTIFY in the transaction that changes a slot (PostgreSQL)

Every insert of a slot, and every update that changes its counts, capacity, status or
times, sends ``pg_notify('booking_slots', …)`` from a trigger, so the notification is
part of the very transaction that made the change and is delivered when (and only if)
it commits. The payload names the slot, its department-day and its counts: no patient.
SQLite has no LISTEN/NOTIFY; there the migration does nothing.

Revision ID: 7d3e9a41c2b5
Revises: 1c7eb251e30e
Create Date: 2026-12-06 17:30:00
"""
from alembic import op


revision = '7d3e9a41c2b5'
down_revision = '1c7eb251e30e'
branch_labels = None
depends_on = None

FUNCTION = """
CREATE OR REPLACE FUNCTION booking_slot_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('booking_slots', json_build_object(
    'id', NEW.id, 'department_id', NEW.department_id, 'expert_id', NEW.expert_id,
    'day', NEW.day, 'start_at', NEW.start_at, 'end_at', NEW.end_at,
    'capacity', NEW.capacity, 'booked', NEW.booked, 'held', NEW.held,
    'overbooked', NEW.overbooked, 'status', NEW.status)::text);
  RETURN NULL;
END
$$
"""

WATCHED = ("day", "start_at", "end_at", "capacity", "booked", "held", "overbooked", "status",
           "expert_id", "department_id")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    op.execute("CREATE TRIGGER slots_tell_insert AFTER INSERT ON slots FOR EACH ROW "
               "EXECUTE FUNCTION booking_slot_changed()")
    old = ", ".join(f"OLD.{column}" for column in WATCHED)
    new = ", ".join(f"NEW.{column}" for column in WATCHED)
    op.execute(f"CREATE TRIGGER slots_tell_update AFTER UPDATE ON slots FOR EACH ROW "
               f"WHEN (({old}) IS DISTINCT FROM ({new})) "
               f"EXECUTE FUNCTION booking_slot_changed()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS slots_tell_update ON slots")
    op.execute("DROP TRIGGER IF EXISTS slots_tell_insert ON slots")
    op.execute("DROP FUNCTION IF EXISTS booking_slot_changed()")
