"""screens keep lower-back pain before, after and two days later; follow-up texts

Revision ID: 83fd19a2382c
Revises: ebf54667295f
Create Date: 2026-11-30 03:18:20.065389

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '83fd19a2382c'
down_revision = 'ebf54667295f'
branch_labels = None
depends_on = None

PAIN_SCORES = (
    "(pain_before IS NULL OR pain_before BETWEEN 0 AND 10) AND "
    "(pain_after IS NULL OR pain_after BETWEEN 0 AND 10) AND "
    "(pain_followup IS NULL OR pain_followup BETWEEN 0 AND 10)"
)
KINDS = (
    "'confirmation', 'reminder', 'up_next', 'tips', 'event_changed', 'event_cancelled', "
    "'waitlist_offer', 'reply'"
)


def upgrade():
    with op.batch_alter_table('screens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pain_before', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pain_after', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pain_after_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('followup_asked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('pain_followup', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pain_followup_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint('ck_screens_pain_scores', PAIN_SCORES)
    _keep_before_scores()
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint('ck_messages_kind', type_='check')
        batch_op.create_check_constraint('ck_messages_kind', f"kind IN ({KINDS}, 'followup')")


def _keep_before_scores():
    """Screens whose raw answers are not purged yet keep their lower-back score as the before."""
    screens = sa.table(
        'screens', sa.column('id', sa.Integer), sa.column('answers', sa.JSON),
        sa.column('pain_before', sa.Integer),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(screens.c.id, screens.c.answers).where(screens.c.answers.isnot(None)))
    for screen_id, answers in rows.all():
        score = (answers or {}).get('low_back_pain')
        if isinstance(score, int) and not isinstance(score, bool) and 0 <= score <= 10:
            conn.execute(
                screens.update().where(screens.c.id == screen_id).values(pain_before=score)
            )


def downgrade():
    op.execute("DELETE FROM messages WHERE kind = 'followup'")
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint('ck_messages_kind', type_='check')
        batch_op.create_check_constraint('ck_messages_kind', f"kind IN ({KINDS})")
    with op.batch_alter_table('screens', schema=None) as batch_op:
        batch_op.drop_constraint('ck_screens_pain_scores', type_='check')
        batch_op.drop_column('pain_followup_at')
        batch_op.drop_column('pain_followup')
        batch_op.drop_column('followup_asked_at')
        batch_op.drop_column('pain_after_at')
        batch_op.drop_column('pain_after')
        batch_op.drop_column('pain_before')
