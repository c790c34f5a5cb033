"""when a meeting may be joined (an area setting) and the apologies sent for its agencies

Revision ID: 0031_meeting_attendance
Revises: 0030_research_pack
Create Date: 2026-12-03 12:30:00

Existing settings rows get 0 days: joining opens on the day of the meeting.
The apologies' names and notes are staff names and free text: stored encrypted.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031_meeting_attendance'
down_revision = '0030_research_pack'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('area_risk_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('join_days_before', sa.Integer(), server_default='0', nullable=False, comment='days before a meeting its invitees may join it (0: on the day only)'))

    op.create_table('meeting_apology',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('meeting_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('name_ct', sa.LargeBinary(), nullable=True, comment='encrypted'),
    sa.Column('note_ct', sa.LargeBinary(), nullable=True, comment='encrypted'),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_meeting_apology_agency_id_agency')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_apology_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_meeting_apology_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_apology'))
    )
    with op.batch_alter_table('meeting_apology', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_apology_meeting_id'), ['meeting_id'], unique=False)


def downgrade():
    with op.batch_alter_table('meeting_apology', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_apology_meeting_id'))

    op.drop_table('meeting_apology')
    with op.batch_alter_table('area_risk_settings', schema=None) as batch_op:
        batch_op.drop_column('join_days_before')
