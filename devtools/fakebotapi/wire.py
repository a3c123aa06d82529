"""Telegram Bot API wire format: decoding request bodies and shaping JSON responses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

JsonDict = dict[str, Any]

# Parameters whose value is always a plain string; every other form value is JSON-decoded when
# possible, because PTB (like Telegram) sends ints, bools and objects as JSON text in form bodies.
TEXT_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "action",
        "language_code",
        "description",
        "short_description",
        "name",
        "title",
        "secret_token",
        "ip_address",
        "emoji",
        "file_id",
        "photo",
        "document",
        "business_connection_id",
        "message_effect_id",
    }
)
# Complex parameters a JSON body may still carry as JSON-encoded strings.
COMPLEX_PARAMS = frozenset(
    {
        "reply_markup",
        "commands",
        "allowed_updates",
        "scope",
        "menu_button",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "media",
    }
)

HTTP_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part of a multipart request, kept so tests can inspect what the bot uploaded."""

    filename: str
    content_type: str
    data: bytes


class ApiError(Exception):
    """An error answer, rendered exactly as Telegram renders it."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JsonDict:
        body: JsonDict = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class ConnectionDropped(Exception):
    """Raised by the fake Telegram when the HTTP layer must close the connection without
    answering (the request was carried out)."""


# Recorded as a call's status when no answer was sent at all.
NO_ANSWER = 0


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def default_description(status: int) -> str:
    return HTTP_DESCRIPTIONS.get(status, f"Error {status}")


def ok_body(result: Any) -> JsonDict:
    return {"ok": True, "result": result}


def decode_form_value(name: str, raw: str) -> Any:
    if name in TEXT_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


async def read_params(request: web.Request) -> tuple[JsonDict, dict[str, UploadedFile]]:
    """Decode query string plus a JSON, url-encoded or multipart body into typed parameters."""
    params: JsonDict = {key: decode_form_value(key, value) for key, value in request.query.items()}
    files: dict[str, UploadedFile] = {}
    if not request.body_exists:
        return params, files
    if request.content_type == "application/json":
        body = await request.json()
        if not isinstance(body, dict):
            raise bad_request("request body must be a JSON object")
        for key, value in body.items():
            if isinstance(value, str) and key not in TEXT_PARAMS:
                # Telegram reads "123" as 123 and '{"a": 1}' as an object in JSON bodies
                # too (python-telegram-bot sends numbers as strings), as in form bodies.
                value = decode_form_value(key, value)
            params[key] = value
        return params, files
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            files[key] = UploadedFile(
                filename=value.filename,
                content_type=value.content_type,
                data=value.file.read(),
            )
        elif isinstance(value, str):
            params[key] = decode_form_value(key, value)
        else:
            params[key] = decode_form_value(key, bytes(value).decode("utf-8", "replace"))
    return params, files


def json_response(status: int, body: JsonDict) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        content_type="application/json",
    )
