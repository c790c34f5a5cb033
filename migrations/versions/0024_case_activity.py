"""cases keep when anything on them last changed, for the case list's order

Revision ID: 0024_case_activity
Revises: 0023_audit_pending
Create Date: 2026-12-03 09:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024_case_activity'
down_revision = '0023_audit_pending'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('marac_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=True, comment='when anything on the case last changed (cases/activity.py)'))
    # The cases already held: their last activity is taken to be their creation.
    op.execute("UPDATE marac_case SET last_activity_at = created_at")
    with op.batch_alter_table('marac_case', schema=None) as batch_op:
        batch_op.alter_column('last_activity_at', existing_type=sa.DateTime(timezone=True), nullable=False, existing_comment='when anything on the case last changed (cases/activity.py)')
        batch_op.create_index(batch_op.f('ix_marac_case_last_activity_at'), ['last_activity_at'], unique=False)


def downgrade():
    with op.batch_alter_table('marac_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marac_case_last_activity_at'))
        batch_op.drop_column('last_activity_at')
