"""an index on a victim's incidents by time, for the repeat rule in the indicators

Revision ID: 0017_incident_victim_time
Revises: 0016_referral_and_age_dates
Create Date: 2026-12-03 07:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_incident_victim_time'
down_revision = '0016_referral_and_age_dates'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.create_index('ix_incident_victim_time', ['victim_id', 'occurred_at'], unique=False, postgresql_include=['perpetrator_id'])


def downgrade():
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index('ix_incident_victim_time', postgresql_include=['perpetrator_id'])
