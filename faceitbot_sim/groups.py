"""Group chats for the fake Bot API: who is what in a group (getChatMember), pinned messages
(pinChatMessage, which needs the admin right Telegram asks for) and the bot's own membership
changing (my_chat_member updates). The ChatMember objects carry every field the Bot API marks
required for their status (tests check them against the spec's types)."""

from __future__ import annotations

import time
from typing import Any

from faceitbot_sim.botapi_spec import ApiError, bad_request

ChatId = int | str

STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
NOT_ENOUGH_RIGHTS = "not enough rights to manage pinned messages in the chat"
# The required fields of ChatMemberAdministrator other than status and user.
_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)
# Not in the spec file's ChatMemberAdministrator, but the aiogram we run requires it in the result
# (a newer Bot API field): without it aiogram cannot read an administrator at all.
_ADMIN_EXTRA = ("can_send_welcome_messages",)


def member_object(status: str, user: dict[str, Any], *, can_pin: bool = False) -> dict[str, Any]:
    """A ChatMember of the given status, as Telegram sends it."""
    if status not in STATUSES:
        raise ValueError(f"unknown chat member status {status!r}")
    member: dict[str, Any] = {"status": status, "user": dict(user)}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update({"can_be_edited": False, "is_anonymous": False})
        member.update(dict.fromkeys(_ADMIN_RIGHTS + _ADMIN_EXTRA, False))
        member.update(can_manage_chat=True, can_delete_messages=True, can_pin_messages=can_pin)
    elif status == "restricted":
        member.update(
            is_member=True,
            can_send_messages=True,
            can_send_audios=True,
            can_send_documents=True,
            can_send_photos=True,
            can_send_videos=True,
            can_send_video_notes=True,
            can_send_voice_notes=True,
            can_send_polls=True,
            can_send_other_messages=True,
            can_add_web_page_previews=True,
            can_react_to_messages=True,
            can_edit_tag=False,
            can_change_info=False,
            can_invite_users=False,
            can_pin_messages=False,
            can_manage_topics=False,
            until_date=0,
        )
    elif status == "kicked":
        member["until_date"] = 0
    return member


class Groups:
    """Membership and pins of the fake's group chats. A user nobody set is a plain member; the
    bot is a plain member until made an admin (or removed)."""

    def __init__(self, bot_id: int) -> None:
        self.bot_id = bot_id
        self._status: dict[tuple[ChatId, int], str] = {}
        self._can_pin: set[ChatId] = set()  # groups where the bot, an admin, may pin
        self.pinned: dict[ChatId, list[int]] = {}  # newest last

    def set_status(self, chat_id: ChatId, user_id: int, status: str, *, can_pin: bool = False) -> str:
        """Sets the status; returns the one before."""
        if status not in STATUSES:
            raise ValueError(f"unknown chat member status {status!r}")
        old = self.status(chat_id, user_id)
        self._status[chat_id, user_id] = status
        if user_id == self.bot_id:
            (self._can_pin.add if status == "administrator" and can_pin else self._can_pin.discard)(chat_id)
        return old

    def status(self, chat_id: ChatId, user_id: int) -> str:
        return self._status.get((chat_id, user_id), "member")

    def member(self, chat_id: ChatId, user: dict[str, Any]) -> dict[str, Any]:
        return member_object(self.status(chat_id, user["id"]), user, can_pin=chat_id in self._can_pin)

    def check_present(self, chat_id: ChatId) -> None:
        """A bot that was removed from a group can do nothing there."""
        if self.status(chat_id, self.bot_id) in ("left", "kicked"):
            raise ApiError(403, "Forbidden: bot is not a member of the group chat")

    def pin(self, chat_id: ChatId, message_id: int) -> bool:
        self.check_present(chat_id)
        if chat_id not in self._can_pin:
            raise bad_request(NOT_ENOUGH_RIGHTS)
        pins = self.pinned.setdefault(chat_id, [])
        if message_id in pins:
            pins.remove(message_id)
        pins.append(message_id)
        return True

    def unpin(self, chat_id: ChatId, message_id: int | None) -> bool:
        self.check_present(chat_id)
        if chat_id not in self._can_pin:
            raise bad_request(NOT_ENOUGH_RIGHTS)
        pins = self.pinned.get(chat_id, [])
        if message_id is None:
            if pins:
                pins.pop()
        elif message_id in pins:
            pins.remove(message_id)
        return True

    def membership_update(
        self, chat: dict[str, Any], by: dict[str, Any], bot: dict[str, Any], old: str, new: str
    ) -> dict[str, Any]:
        """The ChatMemberUpdated of a my_chat_member update: the bot went from `old` to `new`."""
        return {
            "chat": chat,
            "from": by,
            "date": int(time.time()),
            "old_chat_member": member_object(old, bot),
            "new_chat_member": member_object(new, bot, can_pin=chat["id"] in self._can_pin),
        }
