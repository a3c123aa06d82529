"""chat change feed: PostgreSQL notifies `chats_changed` when a cached chat column changes

Each bot process keeps recent chats' preferences and open question in memory
(storage/chat_cache.py). On PostgreSQL several processes may serve the same chats, so
every change to those columns, and every deleted chat, is announced on the channel
`chats_changed` with the chat's id, whoever made it (a bot worker, the scheduler, an
operator's SQL). NOTIFY is transactional: listeners hear it when the change commits.
SQLite has no such channel; there the cache is used only by a process that is the one
handling updates.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 16:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As storage.chat_cache.CACHED_COLUMNS when this was written (a test compares them).
COLUMNS = ("age_band", "sex", "life_stage", "diet", "timezone", "awaiting", "awaiting_user_id")


def _changed(column: str) -> str:
    # diet is JSON, which has no equality operator: compare its text.
    cast = "::text" if column == "diet" else ""
    return f"OLD.{column}{cast} IS DISTINCT FROM NEW.{column}{cast}"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION notify_chat_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('chats_changed', OLD.id::text);
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER chats_changed AFTER UPDATE ON chats FOR EACH ROW "
        f"WHEN ({' OR '.join(_changed(column) for column in COLUMNS)}) "
        "EXECUTE FUNCTION notify_chat_changed()"
    )
    op.execute(
        "CREATE TRIGGER chats_deleted AFTER DELETE ON chats FOR EACH ROW "
        "EXECUTE FUNCTION notify_chat_changed()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER chats_deleted ON chats")
    op.execute("DROP TRIGGER chats_changed ON chats")
    op.execute("DROP FUNCTION notify_chat_changed()")
