"""Answering in private chats and groups alike: in a group the answer is addressed to the caller."""

from __future__ import annotations

from aiogram.types import BufferedInputFile, Message, User

from faceitbot.render.common import Rendered, escape
from faceitbot.telegram.sent import Sent, lean


def in_group(message: Message) -> bool:
    return message.chat.type in ("group", "supergroup")


def _addressed(message: Message, text: str, caller: User | None) -> str:
    if caller is None or not in_group(message):
        return text
    # A button press has no message of the caller's to reply to: name them instead.
    return f'<a href="tg://user?id={caller.id}">{escape(caller.first_name)}</a>, {text}'


async def respond(message: Message, rendered: Rendered, *, caller: User | None = None) -> Sent:
    """`message` is the caller's own message, or (with `caller`) the bot's message a button is under."""
    if not in_group(message):
        method = message.answer(rendered.text, reply_markup=rendered.markup)
    elif caller is not None:
        method = message.answer(_addressed(message, rendered.text, caller), reply_markup=rendered.markup)
    else:
        method = message.reply(rendered.text, reply_markup=rendered.markup)
    return await message.bot(lean(method))


async def respond_photo(message: Message, png: bytes, caption: str, *, filename: str) -> Message:
    photo = BufferedInputFile(png, filename=filename)
    if in_group(message):
        return await message.reply_photo(photo, caption=caption)
    return await message.answer_photo(photo, caption=caption)
