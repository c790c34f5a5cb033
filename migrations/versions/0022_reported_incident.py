"""further incidents reported from a "known to MARAC" hint, and their place in triage

Revision ID: 0022_reported_incident
Revises: 0021_area_risk_settings
Create Date: 2026-12-03 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_reported_incident'
down_revision = '0021_area_risk_settings'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reported_incident',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('area_id', sa.Uuid(), nullable=False, comment="the case's area: whose coordinators review"),
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('agency_id', sa.Uuid(), nullable=False, comment='the reporting agency'),
    sa.Column('reported_by_id', sa.Uuid(), nullable=False),
    sa.Column('is_repeat', sa.Boolean(), nullable=False, comment='the repeat rule queued it as a repeat to confirm instead'),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('seen_by_id', sa.Uuid(), nullable=True),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_reported_incident_agency_id_agency')),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_reported_incident_area_id_area')),
    sa.ForeignKeyConstraint(['case_id'], ['marac_case.id'], name=op.f('fk_reported_incident_case_id_marac_case')),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_reported_incident_incident_id_incident')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['user_account.id'], name=op.f('fk_reported_incident_reported_by_id_user_account')),
    sa.ForeignKeyConstraint(['seen_by_id'], ['user_account.id'], name=op.f('fk_reported_incident_seen_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reported_incident')),
    sa.UniqueConstraint('incident_id', name=op.f('uq_reported_incident_incident_id'))
    )
    with op.batch_alter_table('reported_incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reported_incident_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reported_incident_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reported_incident_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('reported_incident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reported_incident_status'))
        batch_op.drop_index(batch_op.f('ix_reported_incident_case_id'))
        batch_op.drop_index(batch_op.f('ix_reported_incident_area_id'))

    op.drop_table('reported_incident')
