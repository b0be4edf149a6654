"""notify publishes nothing: drop its outbox

Revision ID: 717b4ccc1116
Revises: 7593dd617ca9
Create Date: 2026-11-23 12:51:52.870164
"""
from alembic import op
import sqlalchemy as sa


revision = '717b4ccc1116'
down_revision = '7593dd617ca9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table('outbox')  # its index goes with it


def downgrade() -> None:
    op.create_table('outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True,
              nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('event_type', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id')
    )
    op.create_index('ix_outbox_pending', 'outbox', ['id'], unique=False,
                    postgresql_where=sa.text('published_at IS NULL'),
                    sqlite_where=sa.text('published_at IS NULL'))
