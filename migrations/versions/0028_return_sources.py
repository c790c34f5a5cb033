"""each area's mapping of agency kinds to the data return's referral-source categories

Revision ID: 0028_return_sources
Revises: 0027_indicator_indexes
Create Date: 2026-12-03 12:30:00

No rows are made: an area without one uses the default mapping.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028_return_sources'
down_revision = '0027_indicator_indexes'
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


def downgrade():
    with op.batch_alter_table('area_referral_source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_referral_source_area_id'))

    op.drop_table('area_referral_source')
