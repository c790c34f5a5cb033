"""person_name_token.alias_id indexed only where it is set

Revision ID: 0036_rotation_index
Revises: 0035_person_problems_index
Create Date: 2026-12-03 17:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0036_rotation_index'
down_revision = '0035_person_problems_index'
branch_labels = None
depends_on = None

OWNED_BY_ALIAS = sa.text('alias_id IS NOT NULL')


def _index(where):
    with op.batch_alter_table('person_name_token', schema=None) as batch_op:
        batch_op.drop_index('ix_person_name_token_alias_id')
        batch_op.create_index(
            'ix_person_name_token_alias_id',
            ['alias_id'],
            unique=False,
            postgresql_where=where,
            sqlite_where=where,
        )


def upgrade():
    # Most name-part rows belong to a person and have no alias: a full index
    # held an entry for each of them, rewritten every time a key rotation gave
    # the row its new digest. Lookups by alias (alias_id = ..., and the cascade
    # when an alias is deleted) imply alias_id IS NOT NULL, so they still use it.
    _index(OWNED_BY_ALIAS)


def downgrade():
    _index(None)
