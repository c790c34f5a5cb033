"""conference drafts: what the chair has typed for a case, kept before it is saved

Revision ID: 0019_conference_drafts
Revises: 0018_action_history
Create Date: 2026-12-03 07:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_conference_drafts'
down_revision = '0018_action_history'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft_discussion_ct', sa.LargeBinary(), nullable=True, comment='encrypted'))
        batch_op.add_column(sa.Column('draft_risk', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('draft_saved_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_column('draft_saved_at')
        batch_op.drop_column('draft_risk')
        batch_op.drop_column('draft_discussion_ct')
