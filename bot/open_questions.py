"""Which chats owe the settings menu a typed answer, without a database read per message.

Every command and every typed message must know whether its chat has an open question (a
city or a time the settings menu asked for): a command closes it, a typed message may
answer it. Asking the database costs a round trip on every update, the largest single
cost of a reply, while almost no chat ever has a question open.

Only the settings menu opens a question: a press, or a typed request that opens its screen
("change my time zone"). When this process is the only one handling the bot's updates, it
sees every such update, so a chat it never saw open one, and that had none open at
start-up, has none: no read is needed. That holds in polling
mode (Telegram hands updates to one getUpdates client at a time, and refuses getUpdates
while a webhook is set) and in the console. Webhook workers may be several behind one
URL, and a question opened by one must be seen by the others: they ask the database's
chat cache (storage.chat_cache), which on PostgreSQL learns of every other process's
change, and reads the row only for a chat it does not hold.

The set of chats kept here only ever over-approximates: a chat in it costs a read that
finds the truth (and then leaves the set), never a wrong answer.
"""

from __future__ import annotations

import asyncio

from storage import Database, preferences

Pending = tuple[str, int | None]


class OpenQuestions:
    def __init__(self, *, sole_handler: bool) -> None:
        self.sole_handler = sole_handler
        self._maybe_open: set[int] = set()
        self._loaded = False
        self._loading = asyncio.Lock()

    def opened(self, chat_id: int) -> None:
        """The settings menu is asking `chat_id` a question (call before saving it)."""
        self._maybe_open.add(chat_id)

    async def pending(self, db: Database, chat_id: int) -> Pending | None:
        """The chat's open question and who was asked, or None."""
        if self.sole_handler:
            await self._load(db)
            if chat_id not in self._maybe_open:
                return None
        view = await db.chat_view(chat_id)
        found = None if view is None else view.pending
        if found is None:
            self._maybe_open.discard(chat_id)
        return found

    async def _load(self, db: Database) -> None:
        """Once: the questions left open before this process started."""
        if self._loaded:
            return
        async with self._loading:
            if self._loaded:
                return
            async with db.session() as session:
                self._maybe_open.update(await preferences.chats_awaiting(session))
            self._loaded = True
