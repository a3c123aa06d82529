"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 17:24:02.041701
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "chats",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_indefinitely", sa.Boolean(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("delivery_time", sa.Time(), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("diet", sa.JSON(), nullable=False),
        sa.Column("food_mode", sa.String(length=16), nullable=False),
        sa.Column("food_weekday", sa.Integer(), nullable=False),
        sa.Column("age_band", sa.String(length=8), nullable=True),
        sa.Column("sex", sa.String(length=8), nullable=True),
        sa.Column("life_stage", sa.String(length=16), nullable=True),
        sa.Column("menu_version", sa.Integer(), nullable=False),
        sa.Column("menu_message_id", sa.BigInteger(), nullable=True),
        sa.Column("awaiting", sa.String(length=16), nullable=True),
        sa.Column("awaiting_user_id", sa.BigInteger(), nullable=True),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("tip_cycle", sa.Integer(), nullable=False),
        sa.Column("food_cycle", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chats")),
    )
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.create_index(
            "ix_chats_due",
            ["next_due_at"],
            unique=False,
            postgresql_where=sa.text("status = 'active'"),
            sqlite_where=sa.text("status = 'active'"),
        )

    op.create_table(
        "faq_served",
        sa.Column("faq_id", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("faq_id", name=op.f("pk_faq_served")),
    )
    op.create_table(
        "content_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_content_history_chat_id_chats"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_history")),
        sa.UniqueConstraint(
            "chat_id", "kind", "cycle", "item_id", name=op.f("uq_content_history_chat_id")
        ),
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("audience", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column("broadcast_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name=op.f("fk_deliveries_broadcast_id_broadcasts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name=op.f("fk_deliveries_chat_id_chats"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deliveries_chat_id"), ["chat_id"], unique=False)
        batch_op.create_index(
            "uq_deliveries_daily",
            ["chat_id", "local_date", "kind"],
            unique=True,
            postgresql_where=sa.text("broadcast_id IS NULL"),
            sqlite_where=sa.text("broadcast_id IS NULL"),
        )
        batch_op.create_index(
            "uq_deliveries_broadcast",
            ["broadcast_id", "chat_id"],
            unique=True,
            postgresql_where=sa.text("broadcast_id IS NOT NULL"),
            sqlite_where=sa.text("broadcast_id IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_deliveries_open",
            ["chat_id"],
            unique=False,
            postgresql_where=sa.text("status IN ('claimed', 'sending')"),
            sqlite_where=sa.text("status IN ('claimed', 'sending')"),
        )
        batch_op.create_index(
            "ix_deliveries_queued",
            ["chat_id"],
            unique=False,
            postgresql_where=sa.text("status = 'queued'"),
            sqlite_where=sa.text("status = 'queued'"),
        )

    op.create_table(
        "faq_feedback",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("faq_id", sa.String(length=64), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_faq_feedback_chat_id_chats"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_feedback")),
        sa.UniqueConstraint("chat_id", "message_id", name=op.f("uq_faq_feedback_chat_id")),
    )
    with op.batch_alter_table("faq_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_faq_feedback_faq_id"), ["faq_id"], unique=False)

    op.create_table(
        "intake_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("food_id", sa.String(length=64), nullable=False),
        sa.Column("servings", sa.Float(), nullable=False),
        sa.Column("mg", sa.Float(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name=op.f("fk_intake_log_chat_id_chats"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_log")),
    )
    with op.batch_alter_table("intake_log", schema=None) as batch_op:
        batch_op.create_index("ix_intake_log_chat_date", ["chat_id", "local_date"], unique=False)

    op.create_table(
        "unanswered_questions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_unanswered_questions_chat_id_chats"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unanswered_questions")),
    )


def downgrade() -> None:

    op.drop_table("unanswered_questions")
    with op.batch_alter_table("intake_log", schema=None) as batch_op:
        batch_op.drop_index("ix_intake_log_chat_date")

    op.drop_table("intake_log")
    with op.batch_alter_table("faq_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_feedback_faq_id"))

    op.drop_table("faq_feedback")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_queued")
        batch_op.drop_index("ix_deliveries_open")
        batch_op.drop_index("uq_deliveries_broadcast")
        batch_op.drop_index("uq_deliveries_daily")
        batch_op.drop_index(batch_op.f("ix_deliveries_chat_id"))

    op.drop_table("deliveries")
    op.drop_table("broadcasts")
    op.drop_table("content_history")
    op.drop_table("faq_served")
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_chats_due",
            postgresql_where=sa.text("status = 'active'"),
            sqlite_where=sa.text("status = 'active'"),
        )

    op.drop_table("chats")
