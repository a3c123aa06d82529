"""learning: quizzes with spaced repetition, streaks, tip buttons, quiet hours

chats gains the weekly quiz's day and size, quiet hours and a tip to send again later;
the new tables keep the buttons pressed under tips, the days a chat acted, each question's
Leitner box, and the quiz rounds with their answers. Every new table refers to chats.id
with ON DELETE CASCADE, so /forget deletes their rows and /mydata exports them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _created_at() -> sa.Column[object]:
    return sa.Column(
        "created_at",
        sa.DateTime(timezone=True),
        server_default=sa.text("CURRENT_TIMESTAMP"),
        nullable=False,
    )


def _id() -> sa.Column[object]:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False)


def _chat_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["chat_id"], ["chats.id"], name=op.f(f"fk_{table}_chat_id_chats"), ondelete="CASCADE"
    )


def upgrade() -> None:
    # Adding columns needs no table copy on either backend; the server defaults fill the
    # existing chats (Sunday, three questions).
    op.add_column(
        "chats",
        sa.Column("quiz_weekday", sa.Integer(), server_default=sa.text("6"), nullable=False),
    )
    op.add_column(
        "chats", sa.Column("quiz_size", sa.Integer(), server_default=sa.text("3"), nullable=False)
    )
    op.add_column("chats", sa.Column("quiet_start", sa.Time(), nullable=True))
    op.add_column("chats", sa.Column("quiet_end", sa.Time(), nullable=True))
    op.add_column("chats", sa.Column("later_tip_id", sa.String(length=64), nullable=True))
    op.add_column("chats", sa.Column("later_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "tip_reactions",
        _id(),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("tip_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("local_date", sa.Date(), nullable=False),
        _created_at(),
        _chat_fk("tip_reactions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_reactions")),
        sa.UniqueConstraint(
            "chat_id", "message_id", "action", name=op.f("uq_tip_reactions_chat_id")
        ),
    )
    op.create_index(op.f("ix_tip_reactions_tip_id"), "tip_reactions", ["tip_id"], unique=False)

    op.create_table(
        "learning_days",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        _chat_fk("learning_days"),
        sa.PrimaryKeyConstraint("chat_id", "local_date", name=op.f("pk_learning_days")),
    )

    op.create_table(
        "quiz_cards",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("quiz_id", sa.String(length=64), nullable=False),
        sa.Column("box", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        _chat_fk("quiz_cards"),
        sa.PrimaryKeyConstraint("chat_id", "quiz_id", name=op.f("pk_quiz_cards")),
    )

    op.create_table(
        "quiz_rounds",
        _id(),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("quiz_ids", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        _created_at(),
        _chat_fk("quiz_rounds"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_rounds")),
    )
    op.create_index("ix_quiz_rounds_chat_status", "quiz_rounds", ["chat_id", "status"])

    op.create_table(
        "quiz_answers",
        _id(),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("round_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.String(length=64), nullable=False),
        sa.Column("chosen", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("local_date", sa.Date(), nullable=False),
        _created_at(),
        _chat_fk("quiz_answers"),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["quiz_rounds.id"],
            name=op.f("fk_quiz_answers_round_id_quiz_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_answers")),
        sa.UniqueConstraint("round_id", "position", name=op.f("uq_quiz_answers_round_id")),
    )
    op.create_index("ix_quiz_answers_chat_date", "quiz_answers", ["chat_id", "local_date"])


def downgrade() -> None:
    op.drop_index("ix_quiz_answers_chat_date", table_name="quiz_answers")
    op.drop_table("quiz_answers")
    op.drop_index("ix_quiz_rounds_chat_status", table_name="quiz_rounds")
    op.drop_table("quiz_rounds")
    op.drop_table("quiz_cards")
    op.drop_table("learning_days")
    op.drop_index(op.f("ix_tip_reactions_tip_id"), table_name="tip_reactions")
    op.drop_table("tip_reactions")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not batch mode: batch would copy
    # chats and drop the old table, and with foreign keys on, dropping chats deletes every
    # row referring to it by cascade.
    for column in ("later_at", "later_tip_id", "quiet_end", "quiet_start", "quiz_size"):
        op.drop_column("chats", column)
    op.drop_column("chats", "quiz_weekday")
