"""drop ix_messages_to: ix_messages_to_claimed ("to", claimed_at) answers the same lookups

Every claim writes three texts, and each index on messages is one more insert per text.

Revision ID: 5c0e2a9d7f31
Revises: ba307a8d08a9
Create Date: 2026-11-30 06:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5c0e2a9d7f31'
down_revision = 'ba307a8d08a9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_to')


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_to', ['to'], unique=False)
