"""research answers shaped by agency kind, and reminders of outstanding research

Revision ID: 0030_research_pack
Revises: 0029_minutes_versions
Create Date: 2026-12-03 12:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030_research_pack'
down_revision = '0029_minutes_versions'
branch_labels = None
depends_on = None


def upgrade():
    # Existing research keeps its three free-text sections; the answers start empty.
    with op.batch_alter_table('research', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answers_ct', sa.LargeBinary(), nullable=True, comment='encrypted'))

    op.create_table('research_chase',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('meeting_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('chased_on', sa.Date(), nullable=False, comment='the UTC day of the reminder'),
    sa.Column('chased_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('chased_by_id', sa.Uuid(), nullable=False),
    sa.Column('cases_outstanding', sa.Integer(), nullable=False, comment='how many agenda cases the agency had not researched then'),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_research_chase_agency_id_agency')),
    sa.ForeignKeyConstraint(['chased_by_id'], ['user_account.id'], name=op.f('fk_research_chase_chased_by_id_user_account')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_research_chase_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_chase')),
    sa.UniqueConstraint('meeting_id', 'agency_id', 'chased_on', name='uq_research_chase_meeting_agency_day')
    )
    with op.batch_alter_table('research_chase', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_chase_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_research_chase_meeting_id'), ['meeting_id'], unique=False)


def downgrade():
    with op.batch_alter_table('research_chase', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_chase_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_research_chase_agency_id'))

    op.drop_table('research_chase')
    with op.batch_alter_table('research', schema=None) as batch_op:
        batch_op.drop_column('answers_ct')
