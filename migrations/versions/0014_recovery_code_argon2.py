"""recovery codes hashed with argon2id: a wider code_hash, looked up by user

Revision ID: 0014_recovery_code_argon2
Revises: 0013_emergency_access
Create Date: 2026-12-02 18:20:00

Codes stored until now (bare SHA-256 hex) stay as they are and keep working:
the app checks them as before and re-hashes them with argon2 (over the same
SHA-256, so the code itself is not needed) when their owner next signs in.
A migration cannot do that itself: argon2 is application code.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_recovery_code_argon2'
down_revision = '0013_emergency_access'
branch_labels = None
depends_on = None

COMMENT = (
    "argon2id of the code's SHA-256 (emarac/auth/totp.py); a bare SHA-256 "
    "from before revision 0014 until its owner next signs in"
)


def upgrade():
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        # A salted hash cannot be looked up by value: codes are found by user.
        batch_op.drop_index(batch_op.f('ix_recovery_code_code_hash'))
        batch_op.alter_column(
            'code_hash',
            existing_type=sa.String(length=64),
            type_=sa.String(length=255),
            existing_nullable=False,
            comment=COMMENT,
        )
        batch_op.create_index(batch_op.f('ix_recovery_code_user_id'), ['user_id'], unique=False)


def downgrade():
    # The code before 0014 can only check bare SHA-256 hashes, and an argon2 one
    # does not fit the narrower column: such codes are removed (their owners keep
    # their authenticator; a replaced authenticator brings new codes).
    op.execute("DELETE FROM recovery_code WHERE length(code_hash) > 64")
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_user_id'))
        batch_op.alter_column(
            'code_hash',
            existing_type=sa.String(length=255),
            type_=sa.String(length=64),
            existing_nullable=False,
            comment=None,
            existing_comment=COMMENT,
        )
        batch_op.create_index(batch_op.f('ix_recovery_code_code_hash'), ['code_hash'], unique=False)
