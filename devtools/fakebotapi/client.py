"""Async client for the control API of a fake Bot API running in another process."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from types import TracebackType
from typing import Any

import aiohttp

from .records import BotMessage, Call, CallbackAnswer, Stats, file_from_json
from .wire import JsonDict


class ControlError(RuntimeError):
    """The control API rejected a request."""


class FakeBotAPIClient:
    """Mirrors :class:`FakeBotAPI`'s test-side methods; inspection methods are coroutines."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> FakeBotAPIClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ------------------------------------------------------------------ updates

    async def inject_update(self, update: JsonDict) -> int:
        result = await self._post("updates", {"update": update})
        return int(result["update_id"])

    send_update_raw = inject_update

    async def send_text(self, chat_id: int, text: str, **options: Any) -> int:
        result = await self._post("send_text", {"chat_id": chat_id, "text": text, **options})
        return int(result["update_id"])

    async def send_location(
        self, chat_id: int, latitude: float, longitude: float, **options: Any
    ) -> int:
        body = {"chat_id": chat_id, "latitude": latitude, "longitude": longitude, **options}
        result = await self._post("send_location", body)
        return int(result["update_id"])

    async def press_button(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None
    ) -> str:
        body = {"chat_id": chat_id, "message_id": message_id, "data": data, "user_id": user_id}
        result = await self._post("press_button", body)
        return str(result["callback_query_id"])

    # ------------------------------------------------------------------ faults and limits

    async def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        count: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        await self._post(
            "fail_next",
            {
                "method": method,
                "status": status,
                "retry_after": retry_after,
                "description": description,
                "count": count,
                "chat_id": chat_id,
            },
        )

    async def fail_after_delivery(
        self,
        method: str,
        *,
        status: int = 502,
        count: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        body = {"method": method, "status": status, "count": count, "chat_id": chat_id}
        await self._post("fail_after_delivery", body)

    async def drop_after_delivery(
        self, method: str, *, count: int = 1, chat_id: int | str | None = None
    ) -> None:
        body = {"method": method, "count": count, "chat_id": chat_id}
        await self._post("drop_after_delivery", body)

    async def block(self, chat_id: int) -> None:
        await self._post("block", {"chat_id": chat_id})

    async def unblock(self, chat_id: int) -> None:
        await self._post("unblock", {"chat_id": chat_id})

    async def deactivate(self, chat_id: int) -> None:
        await self._post("deactivate", {"chat_id": chat_id})

    async def unknown_chat(self, chat_id: int | str) -> None:
        await self._post("unknown_chat", {"chat_id": chat_id})

    async def delay(self, method: str, seconds: float) -> None:
        await self._post("delay", {"method": method, "seconds": seconds})

    async def set_admins(
        self, chat_id: int, user_ids: Iterable[int], *, creator: int | None = None
    ) -> None:
        body = {"chat_id": chat_id, "user_ids": list(user_ids), "creator": creator}
        await self._post("set_admins", body)

    async def set_rate_limit(
        self, rate_limit: int | None, per_chat_limit: int | None = None
    ) -> None:
        await self._post("rate_limit", {"rate_limit": rate_limit, "per_chat_limit": per_chat_limit})

    async def reset(self) -> None:
        await self._post("reset", {})

    # ------------------------------------------------------------------ inspection

    async def calls(self, method: str | None = None, *, since: int = 0) -> list[Call]:
        query: dict[str, str] = {"since": str(since)}
        if method is not None:
            query["method"] = method
        result = await self._get("calls", query)
        return [Call.from_json(raw) for raw in result["calls"]]

    async def calls_for(self, method: str) -> list[Call]:
        return await self.calls(method)

    async def messages(self, chat_id: int) -> list[BotMessage]:
        result = await self._get("messages", {"chat_id": str(chat_id)})
        return [BotMessage.from_json(raw) for raw in result["messages"]]

    async def last_message(self, chat_id: int) -> BotMessage | None:
        messages = await self.messages(chat_id)
        return messages[-1] if messages else None

    async def photos(self, chat_id: int) -> list[bytes]:
        result = await self._get("photos", {"chat_id": str(chat_id)})
        return [file_from_json(raw).data for raw in result["photos"]]

    async def callback_answers(self) -> list[CallbackAnswer]:
        result = await self._get("callback_answers", {})
        return [CallbackAnswer(**raw) for raw in result["answers"]]

    async def commands(self, language_code: str = "") -> list[JsonDict]:
        result = await self._get("commands", {"language_code": language_code})
        commands: list[JsonDict] = result["commands"]
        return commands

    async def stats(self) -> Stats:
        return Stats.from_json(await self._get("stats", {}))

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        *,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109 - the documented test API, mirrors PTB's style
    ) -> list[Call]:
        """Like :meth:`FakeBotAPI.wait_for_call`; the predicate runs here, on decoded calls."""
        matching: list[Call] = []
        since = 0

        async def poll() -> bool:
            nonlocal since
            result = await self._get("calls", {"since": str(since), "method": method})
            since = int(result["next"])
            for raw in result["calls"]:
                call = Call.from_json(raw)
                if predicate is None or predicate(call):
                    matching.append(call)
            return len(matching) >= count

        if not await self._wait_until(poll, timeout):
            raise TimeoutError(
                f"expected {count} {method} call(s) within {timeout}s, got {len(matching)}"
            )
        return matching[:count]

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int,
        timeout: float = 10.0,  # noqa: ASYNC109 - the documented test API
    ) -> list[BotMessage]:
        messages: list[BotMessage] = []

        async def poll() -> bool:
            nonlocal messages
            messages = await self.messages(chat_id)
            return len(messages) >= count

        if not await self._wait_until(poll, timeout):
            texts = [msg.text or msg.caption for msg in messages]
            raise TimeoutError(
                f"expected {count} message(s) in chat {chat_id} within {timeout}s, got {texts}"
            )
        return messages

    async def _wait_until(self, poll: Callable[[], Awaitable[bool]], max_wait: float) -> bool:
        deadline = time.monotonic() + max_wait
        version = int((await self._get("wait", {"timeout": "0"}))["version"])
        while not await poll():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            query = {"after": str(version), "timeout": str(remaining)}
            version = int((await self._get("wait", query))["version"])
        return True

    # ------------------------------------------------------------------ transport

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _get(self, name: str, query: dict[str, str]) -> JsonDict:
        async with self._client().get(f"{self.url}/_control/{name}", params=query) as response:
            return await _decode(response)

    async def _post(self, name: str, body: JsonDict) -> JsonDict:
        async with self._client().post(f"{self.url}/_control/{name}", json=body) as response:
            return await _decode(response)


async def _decode(response: aiohttp.ClientResponse) -> JsonDict:
    data = await response.json()
    if response.status != 200 or not isinstance(data, dict):
        raise ControlError(f"control API answered {response.status}: {data}")
    return data
