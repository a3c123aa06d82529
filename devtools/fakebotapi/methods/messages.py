"""Sending and deleting messages, chat actions and callback query answers."""

from __future__ import annotations

from ..records import CallbackAnswer
from ..state import TelegramState
from ..wire import JsonDict, UploadedFile, bad_request
from .files import _input_file
from .params import (
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    _chat_id,
    _int_param,
    _parse_mode,
    _reply_markup,
)


class MessageMethods(TelegramState):
    """sendMessage, sendPhoto, sendDocument, sendChatAction, deleteMessage, answerCallbackQuery."""

    async def _send_message(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        chat_id = _chat_id(params)
        raw = params.get("text")
        if not isinstance(raw, str):
            raise bad_request("message text is empty")
        parse_mode = _parse_mode(params)
        text = self._render(raw, parse_mode)
        if not text.strip():
            raise bad_request("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        markup = _reply_markup(params)
        self._admit_send(chat_id, hash(("text", raw)))
        message = self._new_message(
            chat_id,
            "text",
            text=text,
            raw_text=raw,
            parse_mode=parse_mode,
            reply_markup=markup,
        )
        return self._message_json(message)

    async def _send_photo(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        return self._send_file("photo", params, files)

    async def _send_document(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        return self._send_file("document", params, files)

    def _send_file(self, kind: str, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        chat_id = _chat_id(params)
        upload, file_id = _input_file(kind, params, files)
        parse_mode = _parse_mode(params)
        raw_caption = params.get("caption")
        caption = None
        if isinstance(raw_caption, str) and raw_caption:
            caption = self._render(raw_caption, parse_mode)
            if len(caption) > MAX_CAPTION_LENGTH:
                raise bad_request("message caption is too long")
        else:
            raw_caption = None
        markup = _reply_markup(params)
        if upload is None:
            # A file sent before, by its file_id: Telegram knows only the ones it issued.
            upload = self._files.get(file_id) if file_id is not None else None
            if upload is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
        content_key = hash(upload.data)
        self._admit_send(chat_id, hash((kind, raw_caption, content_key)))
        message_id = self._last_message_id.get(chat_id, 0) + 1
        if file_id is None:
            file_id = f"{kind[:2].upper()}AgAD{chat_id}_{message_id}"
            # Kept even when not recording: a later send by file_id must find it.
            self._files[file_id] = upload
        message = self._new_message(
            chat_id,
            kind,
            caption=caption,
            raw_caption=raw_caption,
            parse_mode=parse_mode,
            reply_markup=markup,
            file=upload,
            file_id=file_id,
        )
        return self._message_json(message)

    async def _send_chat_action(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        _chat_id(params)
        if not isinstance(params.get("action"), str):
            raise bad_request("wrong parameter action in request")
        return True

    async def _delete_message(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        chat_id = _chat_id(params)
        message_id = _int_param(params, "message_id", 0)
        if self.record:
            if self._messages.get(chat_id, {}).pop(message_id, None) is None:
                raise bad_request("message to delete not found")
            self._note_change()
        elif not 0 < message_id <= self._last_message_id.get(chat_id, 0):
            raise bad_request("message to delete not found")
        return True

    async def _answer_callback_query(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if self._callback_queries.get(query_id, True):
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._callback_queries[query_id] = True
        url = params.get("url")
        if self.record:
            self.callback_answers.append(
                CallbackAnswer(
                    callback_query_id=query_id,
                    text=text if isinstance(text, str) else None,
                    show_alert=bool(params.get("show_alert")),
                    url=url if isinstance(url, str) else None,
                )
            )
        return True
