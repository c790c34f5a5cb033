"""each area's mapping of agency kinds to the data return's referral-source categories; a person's own alcohol, drug and mental-health problems

Revision ID: 0034_return_and_factors
Revises: 0033_case_record
Create Date: 2026-12-03 12:30:00

No rows are made: an area without one uses the default mapping. Every person
starts with "not_known" for the three problems.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0034_return_and_factors'
down_revision = '0033_case_record'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('area_referral_source',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('area_id', sa.Uuid(), nullable=False),
    sa.Column('agency_kind', sa.String(length=32), nullable=False, comment='an AgencyKind value'),
    sa.Column('source', sa.String(length=32), nullable=False, comment="the data return's referral-source category"),
    sa.Column('set_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_area_referral_source_area_id_area')),
    sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'], name=op.f('fk_area_referral_source_set_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_referral_source')),
    sa.UniqueConstraint('agency_kind', 'area_id', name='uq_area_referral_source_kind_area')
    )
    with op.batch_alter_table('area_referral_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_referral_source_area_id'), ['area_id'], unique=False)

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alcohol', sa.String(length=20), server_default='not_known', nullable=False, comment='a problem with alcohol; for the causal-factor indicators'))
        batch_op.add_column(sa.Column('drugs', sa.String(length=20), server_default='not_known', nullable=False, comment='a problem with drugs; for the causal-factor indicators'))
        batch_op.add_column(sa.Column('mental_health', sa.String(length=20), server_default='not_known', nullable=False, comment='a mental-health problem; for the causal-factor indicators'))


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('mental_health')
        batch_op.drop_column('drugs')
        batch_op.drop_column('alcohol')

    with op.batch_alter_table('area_referral_source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_referral_source_area_id'))

    op.drop_table('area_referral_source')
