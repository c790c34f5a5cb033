"""the disclosure register: what was disclosed, to whom, when, why and on what basis

Revision ID: 0026_disclosure_register
Revises: 0025_retention
Create Date: 2026-12-03 09:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0026_disclosure_register'
down_revision = '0025_retention'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('disclosure',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False, comment='what was disclosed'),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('area_id', sa.Uuid(), nullable=False, comment='the area whose register holds the row'),
    sa.Column('case_id', sa.Uuid(), nullable=True, comment='the case disclosed, if one (no key: the register outlives it)'),
    sa.Column('case_reference', sa.String(length=32), nullable=True),
    sa.Column('recipient_user_id', sa.Uuid(), nullable=True),
    sa.Column('recipient_agency_id', sa.Uuid(), nullable=True),
    sa.Column('recipient', sa.String(length=300), nullable=False, comment='the recipient in words'),
    sa.Column('disclosed_by_id', sa.Uuid(), nullable=True),
    sa.Column('disclosed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('purpose', sa.String(length=300), nullable=False),
    sa.Column('lawful_basis', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_disclosure_area_id_area')),
    sa.ForeignKeyConstraint(['disclosed_by_id'], ['user_account.id'], name=op.f('fk_disclosure_disclosed_by_id_user_account')),
    sa.ForeignKeyConstraint(['recipient_agency_id'], ['agency.id'], name=op.f('fk_disclosure_recipient_agency_id_agency')),
    sa.ForeignKeyConstraint(['recipient_user_id'], ['user_account.id'], name=op.f('fk_disclosure_recipient_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure'))
    )
    with op.batch_alter_table('disclosure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disclosure_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disclosure_case_reference'), ['case_reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_disclosure_disclosed_at'), ['disclosed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_disclosure_kind'), ['kind'], unique=False)


def downgrade():
    with op.batch_alter_table('disclosure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_kind'))
        batch_op.drop_index(batch_op.f('ix_disclosure_disclosed_at'))
        batch_op.drop_index(batch_op.f('ix_disclosure_case_reference'))
        batch_op.drop_index(batch_op.f('ix_disclosure_case_id'))
        batch_op.drop_index(batch_op.f('ix_disclosure_area_id'))

    op.drop_table('disclosure')
