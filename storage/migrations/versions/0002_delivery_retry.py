"""delivery retry: when a ledger row may be sent again, and an index to find it

A row whose send provably never reached Telegram (a refused connection, a 429 the limiter
gave up on) becomes `retry` with `retry_at`, the earliest moment a later tick may try it
again; every tick looks for such rows, so they get a partial index of their own, empty
while nothing waits.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_deliveries_retry",
        "deliveries",
        ["chat_id"],
        unique=False,
        postgresql_where=sa.text("status = 'retry'"),
        sqlite_where=sa.text("status = 'retry'"),
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_retry", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_column("retry_at")
