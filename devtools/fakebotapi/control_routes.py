"""JSON control API under /_control/, so another process can drive the fake like a test does."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .engine import FakeTelegram
from .records import file_to_json
from .wire import JsonDict

ControlHandler = Callable[[FakeTelegram, JsonDict], Awaitable[Any]]

# Longest a single control long-poll may block; clients loop for longer waits.
MAX_WAIT_SECONDS = 30.0


async def _inject_update(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    return {"update_id": fake.inject_update(body["update"])}


async def _send_text(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    return {"update_id": fake.send_text(**body)}


async def _send_location(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    return {"update_id": fake.send_location(**body)}


async def _press_button(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    return {"callback_query_id": fake.press_button(**body)}


async def _calls(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    since = int(body.get("since", 0))
    method = body.get("method")
    calls = fake.calls[since:]
    return {
        "calls": [call.to_json() for call in calls if method is None or call.method == method],
        "next": since + len(calls),
    }


async def _messages(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    return {"messages": [message.to_json() for message in fake.messages(int(body["chat_id"]))]}


async def _photos(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    chat_id = int(body["chat_id"])
    photos = [msg.file for msg in fake.messages(chat_id) if msg.kind == "photo" and msg.file]
    return {"photos": [file_to_json(photo) for photo in photos]}


async def _callback_answers(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    return {"answers": [answer.to_json() for answer in fake.callback_answers]}


async def _commands(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    scope = body.get("scope")
    if isinstance(scope, str):
        scope = json.loads(scope)
    return {"commands": fake.commands(scope, str(body.get("language_code", "")))}


async def _stats(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    return fake.stats().to_json()


async def _wait(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    timeout = min(float(body.get("timeout", 10.0)), MAX_WAIT_SECONDS)
    after = body.get("after")
    version = await fake.wait_for_change(timeout, after=None if after is None else int(after))
    return {"version": version}


async def _fail_next(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    fake.fail_next(body.pop("method"), **body)
    return {}


async def _fail_after_delivery(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    fake.fail_after_delivery(body.pop("method"), **body)
    return {}


async def _drop_after_delivery(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    fake.drop_after_delivery(body.pop("method"), **body)
    return {}


async def _block(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    fake.block(int(body["chat_id"]))
    return {}


async def _unblock(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    fake.unblock(int(body["chat_id"]))
    return {}


async def _deactivate(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    fake.deactivate(int(body["chat_id"]))
    return {}


async def _unknown_chat(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    fake.unknown_chat(body["chat_id"])
    return {}


async def _delay(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    fake.delay(str(body["method"]), float(body["seconds"]))
    return {}


async def _set_admins(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    fake.set_admins(int(body["chat_id"]), body["user_ids"], creator=body.get("creator"))
    return {}


async def _rate_limit(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    fake.set_rate_limit(body.get("rate_limit"), body.get("per_chat_limit"))
    return {}


async def _reset(fake: FakeTelegram, body: JsonDict) -> JsonDict:
    fake.reset()
    return {}


# GET routes take their arguments from the query string, POST routes from a JSON body.
_GET_ROUTES: dict[str, ControlHandler] = {
    "calls": _calls,
    "messages": _messages,
    "photos": _photos,
    "callback_answers": _callback_answers,
    "commands": _commands,
    "stats": _stats,
    "wait": _wait,
}
_POST_ROUTES: dict[str, ControlHandler] = {
    "updates": _inject_update,
    "send_text": _send_text,
    "send_location": _send_location,
    "press_button": _press_button,
    "fail_next": _fail_next,
    "fail_after_delivery": _fail_after_delivery,
    "drop_after_delivery": _drop_after_delivery,
    "block": _block,
    "unblock": _unblock,
    "deactivate": _deactivate,
    "unknown_chat": _unknown_chat,
    "delay": _delay,
    "set_admins": _set_admins,
    "rate_limit": _rate_limit,
    "reset": _reset,
}


def add_control_routes(app: web.Application, fake: FakeTelegram) -> None:
    for name, handler in _GET_ROUTES.items():
        app.router.add_get(f"/_control/{name}", _endpoint(fake, handler, from_query=True))
    for name, handler in _POST_ROUTES.items():
        app.router.add_post(f"/_control/{name}", _endpoint(fake, handler, from_query=False))


def _endpoint(
    fake: FakeTelegram, handler: ControlHandler, *, from_query: bool
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def endpoint(request: web.Request) -> web.Response:
        try:
            if from_query:
                body: JsonDict = dict(request.query)
            else:
                raw = await request.json() if request.body_exists else {}
                if not isinstance(raw, dict):
                    raise ValueError("control request body must be a JSON object")
                body = raw
            result = await handler(fake, body)
        except (KeyError, TypeError, ValueError) as error:
            return web.json_response({"error": f"{type(error).__name__}: {error}"}, status=400)
        return web.json_response(result, dumps=_dumps)

    return endpoint


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
