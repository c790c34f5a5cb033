"""each area's referral thresholds, one row per change with the day it applies from

Revision ID: 0021_area_risk_settings
Revises: 0020_name_tokens
Create Date: 2026-12-03 07:50:00

No rows are made: an area without one uses the national thresholds, as every
area did before this revision.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_area_risk_settings'
down_revision = '0020_name_tokens'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('area_risk_settings',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('area_id', sa.Uuid(), nullable=False),
    sa.Column('applies_from', sa.Date(), nullable=False, comment='the day the change was made'),
    sa.Column('medium_from', sa.Integer(), nullable=False, comment='yes answers for medium risk'),
    sa.Column('high_from', sa.Integer(), nullable=False, comment='yes answers for visible high risk'),
    sa.Column('escalation_incidents', sa.Integer(), nullable=False, comment='incidents in 12 months for potential escalation'),
    sa.Column('escalation_police_only', sa.Boolean(), nullable=False, comment='escalation counts only incidents the police attended'),
    sa.Column('repeat_months', sa.Integer(), nullable=False, comment='months after the last accepted referral in which abuse is a repeat'),
    sa.Column('set_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_area_risk_settings_area_id_area')),
    sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'], name=op.f('fk_area_risk_settings_set_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_risk_settings'))
    )
    with op.batch_alter_table('area_risk_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_risk_settings_area_id'), ['area_id'], unique=False)


def downgrade():
    with op.batch_alter_table('area_risk_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_risk_settings_area_id'))

    op.drop_table('area_risk_settings')
