"""The bot's command lists and chat menu buttons."""

from __future__ import annotations

from ..state import TelegramState
from ..wire import JsonDict, UploadedFile, bad_request
from .params import _scope_key, _valid_command


class CommandMethods(TelegramState):
    """set/get/deleteMyCommands, set/getChatMenuButton."""

    async def _set_my_commands(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            description = command.get("description") if isinstance(command, dict) else None
            if not isinstance(name, str) or not _valid_command(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[_commands_key(params)] = [dict(command) for command in commands]
        return True

    async def _get_my_commands(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> list[JsonDict]:
        return self._commands.get(_commands_key(params), [])

    async def _delete_my_commands(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        self._commands.pop(_commands_key(params), None)
        return True

    async def _set_chat_menu_button(self, params: JsonDict, files: dict[str, UploadedFile]) -> bool:
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or "type" not in button:
            raise bad_request("can't parse menu button JSON object")
        self._menu_buttons[_menu_key(params)] = button
        return True

    async def _get_chat_menu_button(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> JsonDict:
        return self._menu_buttons.get(_menu_key(params)) or {"type": "default"}


def _commands_key(params: JsonDict) -> tuple[str, str]:
    """Command lists are kept per scope and language, as Telegram keeps them."""
    return _scope_key(params.get("scope")), str(params.get("language_code") or "")


def _menu_key(params: JsonDict) -> int | None:
    """Menu buttons are kept per chat; None is the default for every chat."""
    chat_id = params.get("chat_id")
    return chat_id if isinstance(chat_id, int) else None
