"""Reading and checking Bot API request parameters, as Telegram words its refusals."""

from __future__ import annotations

from ..wire import JsonDict, bad_request

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64


def _chat_key(value: object) -> object:
    """chat_id as an int when it is one, whatever the body encoding made of it."""
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


def _chat_id(params: JsonDict) -> int:
    value = params.get("chat_id")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    if value is None or value == "":
        raise bad_request("chat_id is empty")
    # Public @usernames are not modelled; Telegram answers the same for unknown ones.
    raise bad_request("chat not found")


def _int_param(params: JsonDict, name: str, default: int) -> int:
    value = params.get(name, default)
    if isinstance(value, bool):
        raise bad_request(f"wrong parameter {name} in request")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"wrong parameter {name} in request") from None


def _float_param(params: JsonDict, name: str, default: float) -> float:
    value = params.get(name, default)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise bad_request(f"wrong parameter {name} in request") from None


def _parse_mode(params: JsonDict) -> str | None:
    value = params.get("parse_mode")
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value.lower() not in ("html", "markdown", "markdownv2"):
        raise bad_request(f"unsupported parse_mode {value!r}")
    return value


def _reply_markup(params: JsonDict) -> JsonDict | None:
    markup = params.get("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request("can't parse inline keyboard button: Text must be non-empty")
            data = button.get("callback_data")
            if data is not None and (
                not isinstance(data, str)
                or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
            ):
                raise bad_request("BUTTON_DATA_INVALID")
    return markup


def _valid_command(name: str) -> bool:
    return (
        1 <= len(name) <= 32
        and all(c.isascii() and (c.isalnum() or c == "_") for c in name)
        and name == name.lower()
    )


def _scope_key(scope: object) -> str:
    if not isinstance(scope, dict):
        return "default"
    return ":".join(f"{key}={scope[key]}" for key in sorted(scope))
