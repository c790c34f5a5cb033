"""covering indexes for the factor indicators and the quarterly return

Revision ID: 0027_indicator_indexes
Revises: 0026_disclosure_register
Create Date: 2026-12-03 09:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027_indicator_indexes'
down_revision = '0026_disclosure_register'
branch_labels = None
depends_on = None


def upgrade():
    # Assessments with a "yes" to some factor question, by case and day, carrying the
    # codes: the factors indicator's first "yes" per case reads the index alone.
    with op.batch_alter_table('risk_assessment', schema=None) as batch_op:
        batch_op.create_index('ix_risk_assessment_yes_factors', ['case_id', 'completed_on'], unique=False, postgresql_include=['yes_factors'], postgresql_where=sa.text("yes_factors <> ''"), sqlite_where=sa.text("yes_factors <> ''"))

    # A person's plain statistical columns by id: the quarterly return reads its
    # victims from the index alone rather than the wide encrypted rows.
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index('ix_person_statistics', ['id'], unique=False, postgresql_include=['birth_year', 'estimated_age', 'age_estimated_on', 'gender', 'ethnic_group', 'disability', 'lgbt'])


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_statistics')

    with op.batch_alter_table('risk_assessment', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_assessment_yes_factors', postgresql_where=sa.text("yes_factors <> ''"), sqlite_where=sa.text("yes_factors <> ''"))
