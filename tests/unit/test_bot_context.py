"""Every aiogram object still knows the Bot it came from when that is set up in one step."""

from tests.fresh_python import run_python


def test_objects_keep_their_bot_through_every_way_they_are_made() -> None:
    out = run_python(
        """
        import faceitbot
        from aiogram import Bot
        from aiogram.client.context_controller import BotContextController
        from aiogram.methods import SendMessage
        from aiogram.methods.base import Response
        from aiogram.types import Message, MessageEntity
        from faceitbot.telegram.bot_context import bind_bot_in_one_step

        bot = Bot("42:TEST")
        reply = Response[Message].model_validate_json(
            b'{"ok": true, "result": {"message_id": 1, "date": 0, "text": "hi",'
            b' "chat": {"id": 5, "type": "private"},'
            b' "entities": [{"type": "bold", "offset": 0, "length": 2}],'
            b' "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": "y"}]]}}}',
            context={"bot": bot},
        )
        message = reply.result
        nested = [message, message.chat, message.entities[0], message.reply_markup.inline_keyboard[0][0]]
        print(all(o.bot is bot for o in nested))
        print(Message.model_validate({"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}}).bot)
        print(MessageEntity.model_construct(type="bold", offset=0, length=1).bot)
        method = message.answer("pong")  # aiogram's shortcut binds the method to the message's bot
        print(method.bot is bot, SendMessage(chat_id=5, text="x").as_(bot).bot is bot)

        class Later(SendMessage):  # a subclass defined after start-up takes the one step too
            pass

        print(Later(chat_id=5, text="x").as_(bot).bot is bot, Later.model_post_init is SendMessage.model_post_init)
        print(Message.model_post_init is BotContextController.model_post_init, bind_bot_in_one_step())
        """
    )
    assert out.splitlines() == ["True", "None", "None", "True True", "True True", "True 0"], out


def test_a_class_with_its_own_post_init_keeps_it() -> None:
    out = run_python(
        """
        import faceitbot
        from aiogram.types import MessageEntity

        class Counted(MessageEntity):
            def model_post_init(self, context, /):
                super().model_post_init(context)
                print("own post-init ran")

        entity = Counted.model_validate({"type": "bold", "offset": 0, "length": 1}, context={"bot": "B"})
        print(entity.bot)
        """
    )
    assert out.splitlines() == ["own post-init ran", "B"], out


def test_a_subclass_with_private_attributes_of_its_own_keeps_their_defaults() -> None:
    out = run_python(
        """
        import faceitbot
        from aiogram.types import MessageEntity
        from pydantic import PrivateAttr

        class Tagged(MessageEntity):
            _tag: str = PrivateAttr(default="default-tag")

        entity = Tagged.model_validate({"type": "bold", "offset": 0, "length": 1}, context={"bot": "B"})
        print(entity._tag, entity.bot)
        """
    )
    assert out == "default-tag B", out
