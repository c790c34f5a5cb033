"""minutes with a draft, an approval and versions; minutes already held become
version 1, approved and sent

Revision ID: 0029_minutes_versions
Revises: 0028_agenda_outcomes
Create Date: 2026-12-03 12:05:30.183121

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0029_minutes_versions"
down_revision = "0028_agenda_outcomes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "minutes_version",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("minutes_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content_ct", sa.LargeBinary(), nullable=True, comment="encrypted"),
        sa.Column("made_by_id", sa.Uuid(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason_ct", sa.LargeBinary(), nullable=True, comment="encrypted"),
        sa.Column("distributed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["made_by_id"],
            ["user_account.id"],
            name=op.f("fk_minutes_version_made_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["minutes_id"],
            ["minutes.id"],
            name=op.f("fk_minutes_version_minutes_id_minutes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minutes_version")),
        sa.UniqueConstraint("minutes_id", "number", name="uq_minutes_version_minutes_number"),
    )
    with op.batch_alter_table("minutes_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_minutes_version_minutes_id"), ["minutes_id"], unique=False
        )

    with op.batch_alter_table("minutes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "version",
                sa.Integer(),
                server_default="1",
                nullable=False,
                comment="the number of the version held here",
            )
        )
        batch_op.add_column(sa.Column("approved_by_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "approved_at",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="none while a draft",
            )
        )
        batch_op.add_column(
            sa.Column(
                "distributed_at",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="when the version held here was sent; none before",
            )
        )
        batch_op.add_column(
            sa.Column("return_comment_ct", sa.LargeBinary(), nullable=True, comment="encrypted")
        )
        batch_op.add_column(sa.Column("returned_by_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("corrected_by_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "corrected_at",
                sa.DateTime(timezone=True),
                nullable=True,
                comment="set from version 2 on",
            )
        )
        batch_op.add_column(
            sa.Column("correction_reason_ct", sa.LargeBinary(), nullable=True, comment="encrypted")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_minutes_approved_by_id_user_account"),
            "user_account",
            ["approved_by_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_minutes_corrected_by_id_user_account"),
            "user_account",
            ["corrected_by_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_minutes_returned_by_id_user_account"),
            "user_account",
            ["returned_by_id"],
            ["id"],
        )

    with op.batch_alter_table("minutes_distribution", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "version",
                sa.Integer(),
                server_default="1",
                nullable=False,
                comment="the latest version sent to them",
            )
        )

    # Minutes produced before drafts existed went out at once: each is version 1
    # (the server default), approved by whoever produced it, when it was produced,
    # and sent when its first copy went (or when produced, if nobody received it).
    op.execute(
        "UPDATE minutes SET approved_by_id = produced_by_id, approved_at = produced_at, "
        "distributed_at = COALESCE((SELECT MIN(d.distributed_at) FROM minutes_distribution d "
        "WHERE d.minutes_id = minutes.id), produced_at)"
    )


def downgrade():
    # Before drafts, minutes existed only once sent: unsent ones go, and their
    # meetings are back in session, where the old code produces them at once.
    op.execute("DELETE FROM minutes WHERE distributed_at IS NULL")
    op.execute(
        "UPDATE meeting SET status = 'in_session' "
        "WHERE status IN ('minutes_drafted', 'minutes_approved')"
    )
    with op.batch_alter_table("minutes_distribution", schema=None) as batch_op:
        batch_op.drop_column("version")

    with op.batch_alter_table("minutes", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_minutes_returned_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_minutes_corrected_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_minutes_approved_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_column("correction_reason_ct")
        batch_op.drop_column("corrected_at")
        batch_op.drop_column("corrected_by_id")
        batch_op.drop_column("returned_at")
        batch_op.drop_column("returned_by_id")
        batch_op.drop_column("return_comment_ct")
        batch_op.drop_column("distributed_at")
        batch_op.drop_column("approved_at")
        batch_op.drop_column("approved_by_id")
        batch_op.drop_column("version")

    with op.batch_alter_table("minutes_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_minutes_version_minutes_id"))

    op.drop_table("minutes_version")
