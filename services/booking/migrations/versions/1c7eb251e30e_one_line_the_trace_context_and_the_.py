"""One line of migrations again: the outbox's trace context (metrics and traces) and the
patients' satisfaction consent were made side by side.

Revision ID: 1c7eb251e30e
Revises: 04492648b478, bfd599733156
Create Date: 2026-12-06 15:21:52.454561
"""

revision = '1c7eb251e30e'
down_revision = ('04492648b478', 'bfd599733156')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
