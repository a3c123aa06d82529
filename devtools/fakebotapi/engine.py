"""The fake Telegram: Bot API method semantics plus the test-side API, with no HTTP in sight.

The parts live by role: :mod:`.state` (chats, messages, updates, faults), :mod:`.control` (the
test-side API) and :mod:`.methods` (the Bot API methods by family). This module dispatches one
request through them.
"""

from __future__ import annotations

import asyncio
import time

from .control import TelegramControl
from .limits import AfterDelivery
from .methods.chats import ChatMethods
from .methods.commands import CommandMethods
from .methods.edits import EditMethods
from .methods.files import FileMethods
from .methods.messages import MessageMethods
from .methods.params import _chat_key
from .methods.updates import UpdateMethods
from .records import Call
from .state import Handler
from .wire import (
    NO_ANSWER,
    ApiError,
    ConnectionDropped,
    JsonDict,
    UploadedFile,
    default_description,
    ok_body,
)


class FakeTelegram(
    TelegramControl,
    UpdateMethods,
    MessageMethods,
    EditMethods,
    ChatMethods,
    CommandMethods,
    FileMethods,
):
    """In-memory Bot API state and behaviour; :class:`FakeBotAPI` puts HTTP in front of it.

    With ``record=False`` (benchmark mode) only counters, per-chat counts and per-chat text hashes
    (for duplicate detection) are kept: no calls, transcripts or uploaded files.
    """

    # ------------------------------------------------------------------ request handling

    async def handle(
        self, token: str, method_name: str, params: JsonDict, files: dict[str, UploadedFile]
    ) -> tuple[int, JsonDict]:
        """Answer one Bot API request: (HTTP status, JSON body); every request is recorded.

        Raises ConnectionDropped, once the call has been carried out, when a fault says the
        connection drops instead of answering (see drop_after_delivery).
        """
        name = method_name
        try:
            if self.token is not None and token != self.token:
                raise ApiError(401, "Unauthorized")
            entry = self._methods.get(method_name.lower())
            if entry is None:
                raise ApiError(404, "Not Found")
            name, handler = entry
            delay = self._delays.get(name)
            if delay:
                await self._sleep(delay)
            self._check_faults(name, params)
            result = await handler(params, files)
            status, body = 200, ok_body(result)
            after = self._fault_after_delivery(name, params)
            if after is not None and after.status is None:
                self._record(name, params, files, NO_ANSWER, {"description": "dropped"})
                raise ConnectionDropped
            if after is not None and after.status is not None:
                raise ApiError(after.status, default_description(after.status))
        except ApiError as error:
            status, body = error.status, error.body()
        self._record(name, params, files, status, body)
        return status, body

    def _fault_after_delivery(self, method: str, params: JsonDict) -> AfterDelivery | None:
        chat_id = _chat_key(params.get("chat_id"))
        for fault in self._after_delivery:
            if fault.matches(method, chat_id):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._after_delivery.remove(fault)
                return fault
        return None

    def file_for_path(self, token: str, file_path: str) -> UploadedFile | None:
        if self.token is not None and token != self.token:
            return None
        return self._files.get(file_path)

    def _record(
        self,
        method: str,
        params: JsonDict,
        files: dict[str, UploadedFile],
        status: int,
        body: JsonDict,
    ) -> None:
        stats = self._stats
        stats.calls += 1
        stats.by_method[method] += 1
        stats.by_status[status] += 1
        if status == 429:
            stats.rate_limited += 1
        if self.record:
            self.calls.append(
                Call(method, params, time.time(), status, files, body.get("description"))
            )
            self._note_change()

    async def _sleep(self, seconds: float) -> None:
        if self._closing:
            return
        event = self._updates_changed
        deadline = time.monotonic() + seconds
        # Wake early only for shutdown; new updates just re-arm the wait.
        while not self._closing and (remaining := deadline - time.monotonic()) > 0:
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return
            event = self._updates_changed

    # ------------------------------------------------------------------ Bot API methods

    def _method_table(self) -> dict[str, Handler]:
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "editMessageCaption": self._edit_message_caption,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getFile": self._get_file,
            "close": self._true,
            "logOut": self._true,
        }
