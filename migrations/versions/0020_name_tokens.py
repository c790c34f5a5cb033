"""each part of a person's names and aliases as a blind index, for search

Revision ID: 0020_name_tokens
Revises: 0019_conference_drafts
Create Date: 2026-12-03 07:50:00

The digests are HMACs under the data keys, which a migration does not hold
(it imports no app code), so the table starts empty. Fill it for the people
already recorded with ``flask emarac keys reindex`` after upgrading (a key
rotation, ``flask emarac keys rotate``, rebuilds it too). Until then search
finds existing people by their whole surname only through the older indexes.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_name_tokens'
down_revision = '0019_conference_drafts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('person_name_token',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=True),
    sa.Column('alias_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False, comment='given, family or alias; _sound for the sound-alike code'),
    sa.Column('digest', sa.String(length=24), nullable=False, comment='blind index'),
    sa.CheckConstraint('(person_id IS NULL) <> (alias_id IS NULL)', name=op.f('ck_person_name_token_one_owner')),
    sa.ForeignKeyConstraint(['alias_id'], ['person_alias.id'], name=op.f('fk_person_name_token_alias_id_person_alias'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_name_token_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_name_token'))
    )
    with op.batch_alter_table('person_name_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_name_token_alias_id'), ['alias_id'], unique=False)
        batch_op.create_index('ix_person_name_token_kind_digest', ['kind', 'digest'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_name_token_person_id'), ['person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('person_name_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_name_token_person_id'))
        batch_op.drop_index('ix_person_name_token_kind_digest')
        batch_op.drop_index(batch_op.f('ix_person_name_token_alias_id'))

    op.drop_table('person_name_token')
