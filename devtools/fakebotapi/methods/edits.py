"""Editing a sent message's text, caption or inline keyboard."""

from __future__ import annotations

import time

from ..records import BotMessage
from ..state import TelegramState
from ..wire import JsonDict, UploadedFile, bad_request
from .params import (
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    _chat_id,
    _int_param,
    _parse_mode,
    _reply_markup,
)

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class EditMethods(TelegramState):
    """editMessageText, editMessageCaption, editMessageReplyMarkup."""

    async def _edit_message_text(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> JsonDict | bool:
        raw = params.get("text")
        if not isinstance(raw, str):
            raise bad_request("message text is empty")
        parse_mode = _parse_mode(params)
        text = self._render(raw, parse_mode)
        if not text.strip():
            raise bad_request("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        markup = _reply_markup(params)
        if params.get("inline_message_id"):
            return True
        message = self._message_to_edit(params)
        if message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        if (message.raw_text, message.parse_mode, message.reply_markup) == (
            raw,
            parse_mode,
            markup,
        ):
            raise bad_request(_NOT_MODIFIED)
        message.text, message.raw_text, message.parse_mode = text, raw, parse_mode
        message.reply_markup = markup
        return self._edited(message)

    async def _edit_message_caption(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> JsonDict | bool:
        raw = params.get("caption")
        raw = raw if isinstance(raw, str) and raw else None
        parse_mode = _parse_mode(params)
        caption = self._render(raw, parse_mode) if raw is not None else None
        if caption is not None and len(caption) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        markup = _reply_markup(params)
        if params.get("inline_message_id"):
            return True
        message = self._message_to_edit(params)
        # Light mode's stand-in knows neither the message's kind nor its caption and buttons.
        if self.record and message.kind == "text":
            raise bad_request("there is no caption in the message to edit")
        if self.record and (message.raw_caption, message.reply_markup) == (raw, markup):
            raise bad_request(_NOT_MODIFIED)
        message.caption, message.raw_caption, message.parse_mode = caption, raw, parse_mode
        message.reply_markup = markup
        return self._edited(message)

    async def _edit_message_reply_markup(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> JsonDict | bool:
        markup = _reply_markup(params)
        if params.get("inline_message_id"):
            return True
        message = self._message_to_edit(params)
        # Light mode's stand-in does not know the message's buttons: taking them off a menu,
        # which Telegram accepts, is not "not modified" there.
        if self.record and message.reply_markup == markup:
            raise bad_request(_NOT_MODIFIED)
        message.reply_markup = markup
        return self._edited(message)

    def _message_to_edit(self, params: JsonDict) -> BotMessage:
        chat_id = _chat_id(params)
        message_id = _int_param(params, "message_id", 0)
        if message_id <= 0:
            raise bad_request("message identifier is not specified")
        if self.record:
            message = self._messages.get(chat_id, {}).get(message_id)
            if message is None:
                raise bad_request("message to edit not found")
            return message
        if message_id > self._last_message_id.get(chat_id, 0):
            raise bad_request("message to edit not found")
        # Light mode keeps no transcript, so edits apply to a stand-in that is then dropped.
        return BotMessage(chat_id, message_id, int(time.time()), "text")

    def _edited(self, message: BotMessage) -> JsonDict:
        message.edit_date = int(time.time())
        self._note_change()
        return self._message_json(message)
