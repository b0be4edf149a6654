"""staff tokens ended by signing out

Revision ID: 4037d6a27928
Revises: 3f541afeb306
Create Date: 2026-12-06 08:50:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '4037d6a27928'
down_revision = '3f541afeb306'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_out', sa.Text(), server_default='{}',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('staff_tokens', schema=None) as batch_op:
        batch_op.drop_column('signed_out')
