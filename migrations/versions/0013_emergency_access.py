"""break-glass: time-limited emergency access to a case, reviewed by a coordinator

Revision ID: 0013_emergency_access
Revises: 0012_yes_factors
Create Date: 2026-12-02 12:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_emergency_access'
down_revision = '0012_yes_factors'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('emergency_access',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Uuid(), nullable=False),
    sa.Column('reason_ct', sa.LargeBinary(), nullable=True, comment='encrypted'),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False, comment='access ends here, at most 24 hours on'),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True, comment='ended early by the user'),
    sa.Column('review_outcome', sa.String(length=16), nullable=True, comment='justified or not_justified, set by a coordinator'),
    sa.Column('review_note_ct', sa.LargeBinary(), nullable=True, comment='encrypted'),
    sa.Column('reviewed_by_id', sa.Uuid(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_emergency_access_agency_id_agency')),
    sa.ForeignKeyConstraint(['case_id'], ['marac_case.id'], name=op.f('fk_emergency_access_case_id_marac_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_emergency_access_reviewed_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_emergency_access_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_access'))
    )
    with op.batch_alter_table('emergency_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emergency_access_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_emergency_access_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('emergency_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emergency_access_user_id'))
        batch_op.drop_index(batch_op.f('ix_emergency_access_case_id'))
    op.drop_table('emergency_access')
