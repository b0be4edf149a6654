"""staff names: who is a colleague of the desk (front desk is named, not a colleague)

Revision ID: a7c3e91d5b20
Revises: 3db179f45dd9
Create Date: 2026-12-06 16:10:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c3e91d5b20'
down_revision = '3db179f45dd9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff_names', schema=None) as batch_op:
        batch_op.add_column(sa.Column('colleague', sa.Boolean(), server_default=sa.text('true'),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('staff_names', schema=None) as batch_op:
        batch_op.drop_column('colleague')
