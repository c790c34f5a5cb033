"""each agenda item's facts for the indicators, and the victims whose facts are out of date

Revision ID: 0037_hearing_facts
Revises: 0036_rotation_index
Create Date: 2026-12-03 20:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0037_hearing_facts'
down_revision = '0036_rotation_index'
branch_labels = None
depends_on = None

FACTORS = (
    'perpetrator_alcohol',
    'perpetrator_drugs',
    'perpetrator_mental_health',
    'abuser_problems_checklist',
    'incident_alcohol_or_drugs',
    'victim_alcohol',
    'victim_drugs',
    'victim_mental_health',
    'pregnancy',
    'separation',
    'child_contact',
    'financial_dependence',
)
CRITERIA = ('visible_high_risk', 'professional_judgement', 'potential_escalation', 'repeat')


def upgrade():
    op.create_table(
        'hearing_fact',
        sa.Column('item_id', sa.Uuid(), nullable=False),
        sa.Column('meeting_id', sa.Uuid(), nullable=False),
        sa.Column('area_id', sa.Uuid(), nullable=False, comment="the meeting's area"),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('heard', sa.Boolean(), nullable=False, comment='definitions, Hearing'),
        sa.Column('referral_id', sa.Uuid(), nullable=True),
        sa.Column('referred_on', sa.Date(), nullable=True, comment="the referral's first submission"),
        sa.Column(
            'referring_agency_id',
            sa.Uuid(),
            nullable=True,
            comment='definitions, Referring agency of a hearing',
        ),
        sa.Column('is_repeat', sa.Boolean(), nullable=False, comment='referred under the repeat rule'),
        sa.Column(
            'young_perpetrators',
            sa.Integer(),
            nullable=False,
            comment='perpetrators on the case aged 17 or under at the hearing',
        ),
        sa.Column('children', sa.Integer(), nullable=False, comment='children living in the household'),
        sa.Column(
            'invited_agencies', sa.Integer(), nullable=False, comment='agencies invited to the meeting'
        ),
        sa.Column(
            'research_received',
            sa.Integer(),
            nullable=False,
            comment='research sections on the case at the meeting, from agencies invited to it',
        ),
        sa.Column('victim_bame', sa.Boolean(), nullable=False),
        sa.Column('victim_lgbt', sa.Boolean(), nullable=False),
        sa.Column('victim_disabled', sa.Boolean(), nullable=False),
        sa.Column('victim_male', sa.Boolean(), nullable=False),
        sa.Column('victim_aged_16_17', sa.Boolean(), nullable=False, comment='at the hearing'),
        *[sa.Column(f'factor_{name}', sa.Boolean(), nullable=False) for name in FACTORS],
        *[sa.Column(f'criterion_{code}', sa.Boolean(), nullable=False) for code in CRITERIA],
        sa.ForeignKeyConstraint(
            ['item_id'],
            ['agenda_item.id'],
            name=op.f('fk_hearing_fact_item_id_agenda_item'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('item_id', name=op.f('pk_hearing_fact')),
    )
    with op.batch_alter_table('hearing_fact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hearing_fact_held_on'), ['held_on'], unique=False)
    stale = op.create_table(
        'indicator_stale_victim',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('victim_id', sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_stale_victim')),
    )
    # A row with no victim stands for every one: the first reading works them all out.
    op.bulk_insert(stale, [{'victim_id': None}])


def downgrade():
    op.drop_table('indicator_stale_victim')
    op.drop_table('hearing_fact')
