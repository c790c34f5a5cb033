"""repeats to confirm: the triage queue's items for repeats found by the rule

Revision ID: 0015_repeat_review
Revises: 0014_recovery_code_argon2
Create Date: 2026-12-03 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_repeat_review'
down_revision = '0014_recovery_code_argon2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('repeat_review',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('area_id', sa.Uuid(), nullable=False, comment="the case's area: whose coordinators decide"),
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('incident_on', sa.Date(), nullable=False, comment="the incident's date in UTC, as the repeat rule read it"),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('referral_id', sa.Uuid(), nullable=True, comment='the referral made when it was confirmed'),
    sa.Column('dismissed_reason_ct', sa.LargeBinary(), nullable=True, comment='encrypted'),
    sa.Column('decided_by_id', sa.Uuid(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_repeat_review_area_id_area')),
    sa.ForeignKeyConstraint(['case_id'], ['marac_case.id'], name=op.f('fk_repeat_review_case_id_marac_case')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_repeat_review_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_repeat_review_incident_id_incident')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_repeat_review_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repeat_review')),
    sa.UniqueConstraint('case_id', 'incident_id', name='uq_repeat_review_case_incident')
    )
    with op.batch_alter_table('repeat_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_repeat_review_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_repeat_review_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_repeat_review_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('repeat_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_repeat_review_status'))
        batch_op.drop_index(batch_op.f('ix_repeat_review_case_id'))
        batch_op.drop_index(batch_op.f('ix_repeat_review_area_id'))
    op.drop_table('repeat_review')
