"""audit events wait, unchained, in a pending table for the sequencer

Revision ID: 0023_audit_pending
Revises: 0022_reported_incident
Create Date: 2026-12-03 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023_audit_pending'
down_revision = '0022_reported_incident'
branch_labels = None
depends_on = None

# The guard, copied here rather than imported so this revision never changes.
_GUARDS = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS audit_event_pending_no_update BEFORE UPDATE ON "
        "audit_event_pending BEGIN SELECT RAISE(ABORT, 'pending audit events cannot be "
        "changed'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_event_pending_refuse() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'pending audit events cannot be "
        "changed'; END $$",
        "CREATE OR REPLACE TRIGGER audit_event_pending_no_update BEFORE UPDATE ON "
        "audit_event_pending FOR EACH ROW EXECUTE FUNCTION audit_event_pending_refuse()",
    ],
}


def upgrade():
    op.create_table('audit_event_pending',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=True),
    sa.Column('agency_id', sa.String(length=36), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=64), nullable=True),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('fields', sa.Text(), nullable=True, comment='JSON list of field names, never values'),
    sa.Column('purpose', sa.Text(), nullable=True),
    sa.Column('recipient', sa.Text(), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('client_addr', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event_pending')),
    comment='audit events awaiting the sequencer; rows leave only into the ledger'
    )
    for statement in _GUARDS.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_pending_no_update ON audit_event_pending")
        op.execute("DROP FUNCTION IF EXISTS audit_event_pending_refuse()")
    op.drop_table('audit_event_pending')
