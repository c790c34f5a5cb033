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
import datetime

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
    """Estimates already held count from the day their person's record was made."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT id, created_at FROM person WHERE estimated_age IS NOT NULL")
    ).all()
    if rows:
        conn.execute(
            sa.text("UPDATE person SET age_estimated_on = :on WHERE id = :id"),
            [{"id": person_id, "on": _day(created_at)} for person_id, created_at in rows],
        )


def _day(created_at):
    # SQLite hands the timestamp back as text (in UTC); PostgreSQL as an aware datetime.
    if isinstance(created_at, str):
        return created_at[:10]
    if created_at.tzinfo is not None:
        created_at = created_at.astimezone(datetime.timezone.utc)
    return created_at.date()


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
