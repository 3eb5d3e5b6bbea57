"""webhook_receipts.received_at index: old receipts are purged by age every hour

Revision ID: 6e4d2b91c0a7
Revises: 5c0e2a9d7f31
Create Date: 2026-11-30 14:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '6e4d2b91c0a7'
down_revision = '5c0e2a9d7f31'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webhook_receipts', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_receipts_received_at', ['received_at'], unique=False)


def downgrade():
    with op.batch_alter_table('webhook_receipts', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_receipts_received_at')
