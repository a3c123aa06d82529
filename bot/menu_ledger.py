"""Which message holds each chat's current menu: noted in memory at once, written in batches.

The next menu of a chat removes this one's buttons, so the message id of every menu sent
is stored. That used to be a transaction of its own after each menu, the second of the
update. Now ids are noted here and written by one task: every id noted while a write runs
goes into the next write, one transaction for all of them. A menu opened before its
predecessor's id is written takes that id from here instead of from the row.

A process killed outright loses the ids not yet written: the next menu then leaves the
older one's buttons in place, and a tap on them is answered as expired (menu_version).
With several webhook workers, a chat's next menu may open in another worker before the
write, with the same harmless result.
"""

from __future__ import annotations

import asyncio
import logging

from storage import Database, preferences

log = logging.getLogger(__name__)


class MenuLedger:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._noted: dict[int, int] = {}
        self._writing: dict[int, int] = {}
        self._writer: asyncio.Task[None] | None = None

    def note(self, chat_id: int, message_id: int) -> None:
        """The chat's current menu is now `message_id`."""
        self._noted[chat_id] = message_id
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="menu-ledger")

    def take(self, chat_id: int) -> int | None:
        """The chat's menu id not yet written, if any; a newer menu replaces it."""
        return self._noted.pop(chat_id, None) or self._writing.get(chat_id)

    async def flush(self) -> None:
        """Wait until every id noted so far is written (or its write failed)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _write(self) -> None:
        while self._noted:
            self._writing, self._noted = self._noted, {}
            try:
                await self.db.run(preferences.remember_menus, self._writing)
            except Exception:
                # Only the buttons of an older menu depend on it: they expire anyway.
                log.exception("could not store %d menu ids", len(self._writing))
            finally:
                self._writing = {}
