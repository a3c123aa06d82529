"""What the fake server remembers: calls made by the bot, its messages, and running counters."""

from __future__ import annotations

import base64
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .wire import JsonDict, UploadedFile


@dataclass(frozen=True, slots=True)
class Call:
    """One Bot API request as the server saw it, failed ones included."""

    method: str
    params: JsonDict
    time: float
    status: int
    files: dict[str, UploadedFile] = field(default_factory=dict)
    description: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    def to_json(self) -> JsonDict:
        return {
            "method": self.method,
            "params": self.params,
            "time": self.time,
            "status": self.status,
            "description": self.description,
            "files": {name: file_to_json(upload) for name, upload in self.files.items()},
        }

    @classmethod
    def from_json(cls, data: JsonDict) -> Call:
        return cls(
            method=data["method"],
            params=data["params"],
            time=data["time"],
            status=data["status"],
            description=data.get("description"),
            files={name: file_from_json(raw) for name, raw in data.get("files", {}).items()},
        )


@dataclass(slots=True)
class BotMessage:
    """A message the bot sent, as it currently stands after any edits.

    ``text``/``caption`` hold what the user sees (HTML parsed away); ``raw_text``/``raw_caption``
    hold exactly what the bot sent.
    """

    chat_id: int
    message_id: int
    date: int
    kind: str
    text: str | None = None
    raw_text: str | None = None
    caption: str | None = None
    raw_caption: str | None = None
    parse_mode: str | None = None
    reply_markup: JsonDict | None = None
    file: UploadedFile | None = None
    file_id: str | None = None
    edit_date: int | None = None

    def to_json(self) -> JsonDict:
        data: JsonDict = {
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "date": self.date,
            "kind": self.kind,
            "text": self.text,
            "raw_text": self.raw_text,
            "caption": self.caption,
            "raw_caption": self.raw_caption,
            "parse_mode": self.parse_mode,
            "reply_markup": self.reply_markup,
            "file_id": self.file_id,
            "edit_date": self.edit_date,
            "file": file_to_json(self.file) if self.file is not None else None,
        }
        return data

    @classmethod
    def from_json(cls, data: JsonDict) -> BotMessage:
        raw_file = data.get("file")
        return cls(
            chat_id=data["chat_id"],
            message_id=data["message_id"],
            date=data["date"],
            kind=data["kind"],
            text=data.get("text"),
            raw_text=data.get("raw_text"),
            caption=data.get("caption"),
            raw_caption=data.get("raw_caption"),
            parse_mode=data.get("parse_mode"),
            reply_markup=data.get("reply_markup"),
            file_id=data.get("file_id"),
            edit_date=data.get("edit_date"),
            file=file_from_json(raw_file) if raw_file is not None else None,
        )

    def button_data(self) -> list[str]:
        """All callback_data values of the inline keyboard, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [
            button["callback_data"] for row in rows for button in row if "callback_data" in button
        ]


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None

    def to_json(self) -> JsonDict:
        return {
            "callback_query_id": self.callback_query_id,
            "text": self.text,
            "show_alert": self.show_alert,
            "url": self.url,
        }


@dataclass(slots=True)
class Stats:
    """Counters kept even in light mode, sized by chats rather than by messages."""

    calls: int = 0
    sends_accepted: int = 0
    rate_limited: int = 0
    duplicates: int = 0
    by_method: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    per_chat: Counter[int] = field(default_factory=Counter)
    duplicate_chats: Counter[int] = field(default_factory=Counter)

    def to_json(self) -> JsonDict:
        return {
            "calls": self.calls,
            "sends_accepted": self.sends_accepted,
            "rate_limited": self.rate_limited,
            "duplicates": self.duplicates,
            "by_method": dict(self.by_method),
            "by_status": {str(status): count for status, count in self.by_status.items()},
            "per_chat": {str(chat): count for chat, count in self.per_chat.items()},
            "duplicate_chats": {str(chat): n for chat, n in self.duplicate_chats.items()},
        }

    @classmethod
    def from_json(cls, data: JsonDict) -> Stats:
        return cls(
            calls=data["calls"],
            sends_accepted=data["sends_accepted"],
            rate_limited=data["rate_limited"],
            duplicates=data["duplicates"],
            by_method=Counter(data["by_method"]),
            by_status=Counter({int(k): v for k, v in data["by_status"].items()}),
            per_chat=Counter({int(k): v for k, v in data["per_chat"].items()}),
            duplicate_chats=Counter({int(k): v for k, v in data["duplicate_chats"].items()}),
        )


def file_to_json(upload: UploadedFile) -> JsonDict:
    return {
        "filename": upload.filename,
        "content_type": upload.content_type,
        "data": base64.b64encode(upload.data).decode("ascii"),
    }


def file_from_json(data: JsonDict) -> UploadedFile:
    return UploadedFile(
        filename=data["filename"],
        content_type=data["content_type"],
        data=base64.b64decode(data["data"]),
    )
