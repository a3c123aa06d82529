"""Chats and their members: getChat, getChatMember, getChatAdministrators."""

from __future__ import annotations

from ..builders import guess_chat_type, user_json
from ..state import TelegramState
from ..wire import JsonDict, UploadedFile, bad_request
from .params import _chat_id, _int_param


class ChatMethods(TelegramState):
    """getChat, getChatMember, getChatAdministrators."""

    async def _get_chat(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        chat = self._chat_json(_chat_id(params))
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _get_chat_member(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        chat_id = _chat_id(params)
        user_id = _int_param(params, "user_id", 0)
        if user_id <= 0:
            raise bad_request("invalid user_id specified")
        return self._member_json(chat_id, user_id)

    async def _get_chat_administrators(
        self, params: JsonDict, files: dict[str, UploadedFile]
    ) -> list[JsonDict]:
        chat_id = _chat_id(params)
        if guess_chat_type(chat_id) == "private":
            raise bad_request("there are no administrators in the private chat")
        creator = self._creators.get(chat_id)
        user_ids = ([creator] if creator is not None else []) + sorted(
            self._admins.get(chat_id, set()) - {creator}
        )
        return [self._member_json(chat_id, user_id) for user_id in user_ids]

    def _member_json(self, chat_id: int, user_id: int) -> JsonDict:
        user = self._users.get(user_id) or user_json(user_id, f"User{user_id}")
        if self._creators.get(chat_id) == user_id:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id in self._admins.get(chat_id, set()):
            return {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
            }
        return {"status": "member", "user": user}
