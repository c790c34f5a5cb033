"""the history of each action: one row per update by its owning agency

Revision ID: 0018_action_history
Revises: 0017_incident_victim_time
Create Date: 2026-12-03 07:10:00

Actions updated before this revision keep their current status and note on the
action itself; their earlier updates were never kept, so no history is made up.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_action_history'
down_revision = '0017_incident_victim_time'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('action_update',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('action_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False, comment="1 for the action's first update, then 2, ...: the history's order"),
    sa.Column('by_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Uuid(), nullable=False, comment='the agency the updater worked for at the time'),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('note_ct', sa.LargeBinary(), nullable=True, comment='encrypted'),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['action.id'], name=op.f('fk_action_update_action_id_action')),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_action_update_agency_id_agency')),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_action_update_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_update')),
    sa.UniqueConstraint('action_id', 'number', name='uq_action_update_action_id_number')
    )
    with op.batch_alter_table('action_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_update_action_id'), ['action_id'], unique=False)


def downgrade():
    with op.batch_alter_table('action_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_update_action_id'))

    op.drop_table('action_update')
