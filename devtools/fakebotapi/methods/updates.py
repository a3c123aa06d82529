"""getUpdates and webhooks: how the bot receives updates; plus getMe, close and logOut."""

from __future__ import annotations

import asyncio
import contextlib
import time

from ..state import TelegramState, _pulse
from ..wire import ApiError, JsonDict, UploadedFile, bad_request
from .params import _float_param, _int_param

MAX_UPDATES_PER_POLL = 100


class UpdateMethods(TelegramState):
    """getMe, getUpdates, the webhook methods, close and logOut."""

    async def _true(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        return True

    async def _get_me(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        return self.bot_user

    async def _get_updates(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> list[JsonDict]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _int_param(params, "offset", 0)
        limit = min(max(_int_param(params, "limit", MAX_UPDATES_PER_POLL), 1), MAX_UPDATES_PER_POLL)
        timeout = max(_float_param(params, "timeout", 0.0), 0.0)
        allowed = params.get("allowed_updates")
        self._confirm_updates(offset)
        # A newer getUpdates supersedes a waiting one, which then gets 409 like on Telegram.
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_changed = _pulse(self._updates_changed)
        deadline = time.monotonic() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
            batch = self._next_updates(offset, limit, allowed)
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0 or self._closing:
                return batch
            event = self._updates_changed
            self.waiting_polls += 1
            self._note_change()
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), remaining)
            finally:
                self.waiting_polls -= 1

    def _confirm_updates(self, offset: int) -> None:
        if offset < 0:
            # Negative offsets keep only the last -offset updates, as Telegram documents.
            del self._updates[: max(len(self._updates) + offset, 0)]
        elif offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def _next_updates(self, offset: int, limit: int, allowed: object) -> list[JsonDict]:
        batch: list[JsonDict] = []
        for update in self._updates:
            if update["update_id"] < offset:
                continue
            if isinstance(allowed, list) and allowed and not any(k in update for k in allowed):
                continue
            batch.append(update)
            if len(batch) >= limit:
                break
        return batch

    async def _set_webhook(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        url = params.get("url")
        if not isinstance(url, str):
            raise bad_request("bad webhook: Webhook URL must be a string")
        self.webhook_url = url
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _delete_webhook(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
