"""a person's alcohol, drug and mental-health answers in the covering index of statistics

Revision ID: 0035_person_problems_index
Revises: 0034_return_and_factors
Create Date: 2026-12-03 15:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0035_person_problems_index'
down_revision = '0034_return_and_factors'
branch_labels = None
depends_on = None

BEFORE = ['birth_year', 'estimated_age', 'age_estimated_on', 'gender', 'ethnic_group', 'disability', 'lgbt']
AFTER = [*BEFORE, 'alcohol', 'drugs', 'mental_health']


def _index(include):
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_statistics')
        batch_op.create_index('ix_person_statistics', ['id'], unique=False, postgresql_include=include)


def upgrade():
    # The factors indicator reads the victim's and perpetrators' answers from the
    # index alone, as the quarterly return reads their statistics.
    _index(AFTER)


def downgrade():
    _index(BEFORE)
