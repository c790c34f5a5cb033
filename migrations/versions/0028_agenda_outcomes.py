"""agenda outcomes: each case at a meeting is heard, deferred (carried to the next) or withdrawn

Revision ID: 0028_agenda_outcomes
Revises: 0027_indicator_indexes
Create Date: 2026-12-03 12:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028_agenda_outcomes'
down_revision = '0027_indicator_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=16), nullable=True, comment='heard, deferred or withdrawn; null until the meeting decides'))
        batch_op.add_column(sa.Column('outcome_reason_ct', sa.LargeBinary(), nullable=True, comment='encrypted'))
        batch_op.add_column(sa.Column('deferred_from_id', sa.Uuid(), nullable=True, comment='the item at an earlier meeting that deferred the case to this one'))
        batch_op.create_foreign_key(batch_op.f('fk_agenda_item_deferred_from_id_agenda_item'), 'agenda_item', ['deferred_from_id'], ['id'], ondelete='SET NULL')
    # Every case the meetings have recorded so far was heard: there was no other outcome.
    op.execute("UPDATE agenda_item SET outcome = 'heard' WHERE heard_at IS NOT NULL")


def downgrade():
    # Deferred and withdrawn items go back to undecided, as the schema before knew no other way.
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_agenda_item_deferred_from_id_agenda_item'), type_='foreignkey')
        batch_op.drop_column('deferred_from_id')
        batch_op.drop_column('outcome_reason_ct')
        batch_op.drop_column('outcome')
