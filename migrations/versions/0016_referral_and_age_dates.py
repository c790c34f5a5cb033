"""referrals keep their first date; estimated ages carry the date they were estimated

Revision ID: 0016_referral_and_age_dates
Revises: 0015_repeat_review
Create Date: 2026-12-03 07:30:00

Until now resubmitting a returned referral overwrote ``submitted_on``; from
here it keeps the first date and ``resubmitted_on`` holds the last. Referrals
already resubmitted cannot get their first date back (it was not kept).

An estimated age is true on the day it was given. For the estimates already
held that day is not known; the day the person's record was made is the
closest the data holds, so the backfill uses it.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_referral_and_age_dates'
down_revision = '0015_repeat_review'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resubmitted_on', sa.Date(), nullable=True, comment='last sent again after being returned'))
        batch_op.alter_column('submitted_on',
               existing_type=sa.Date(),
               comment='first submitted: kept when a returned referral is sent again',
               existing_nullable=False)

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('age_estimated_on', sa.Date(), nullable=True, comment='the date estimated_age was true on; ages at other dates count from it'))

    backfill_age_estimated_on()


def backfill_age_estimated_on():
    """Estimates already held count from the day (in UTC) their person's record was made."""
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        day = "CAST(created_at AT TIME ZONE 'UTC' AS date)"
    else:
        day = "date(created_at)"  # SQLite keeps the timestamps in UTC already
    conn.execute(
        sa.text(f"UPDATE person SET age_estimated_on = {day} WHERE estimated_age IS NOT NULL")
    )


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('age_estimated_on')

    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.alter_column('submitted_on',
               existing_type=sa.Date(),
               comment=None,
               existing_comment='first submitted: kept when a returned referral is sent again',
               existing_nullable=False)
        batch_op.drop_column('resubmitted_on')
