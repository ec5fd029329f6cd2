"""Bot API models are built on first use, and every one of them still builds.

Each check runs in a fresh interpreter: the deferral only happens when faceitbot is imported
before aiogram, which the test process itself has long done.
"""

from tests.fresh_python import run_python


def test_models_wait_until_an_update_arrives() -> None:
    out = run_python(
        """
        import faceitbot
        from aiogram.types import Update
        before = Update.__pydantic_complete__
        update = Update.model_validate({
            "update_id": 7,
            "message": {
                "message_id": 1, "date": 0, "text": "/profile",
                "chat": {"id": 5, "type": "private"},
                "from": {"id": 5, "is_bot": False, "first_name": "Ann"},
                "reply_to_message": {
                    "message_id": 2, "date": 0, "chat": {"id": 5, "type": "private"},
                    "successful_payment": {
                        "currency": "XTR", "total_amount": 250, "invoice_payload": "p",
                        "telegram_payment_charge_id": "c", "provider_payment_charge_id": "",
                    },
                },
            },
        })
        print(before, Update.__pydantic_complete__,
              update.message.from_user.first_name,
              update.message.reply_to_message.successful_payment.total_amount)
        """
    )
    assert out == "False True Ann 250"


def test_every_type_and_method_builds_from_the_recorded_namespace() -> None:
    out = run_python(
        """
        import faceitbot
        import aiogram.methods as methods
        import aiogram.types as types
        from aiogram.methods.base import Response, TelegramMethod
        from aiogram.types.base import TelegramObject
        # A getUpdates reply first, as in a fresh replica: nothing is built yet.
        updates = Response[list[types.Update]].model_validate(
            {"ok": True, "result": [{"update_id": 3, "callback_query": {
                "id": "q", "chat_instance": "i", "data": "d",
                "from": {"id": 5, "is_bot": False, "first_name": "Ann"}}}]}
        )
        print(updates.result[0].callback_query.data)
        built = failed = 0
        for module in (types, methods):
            for name in module.__all__:
                model = getattr(module, name)
                if not (isinstance(model, type) and issubclass(model, (TelegramObject, TelegramMethod))):
                    continue
                built += 1
                if model.model_rebuild(raise_errors=False) is False:
                    failed += 1
                    print("failed", name)
                returning = model.__dict__.get("__returning__")
                if returning is not None and not isinstance(returning, property):
                    if Response[returning].model_rebuild(raise_errors=False) is False:
                        failed += 1
                        print("failed reply", name)
        print(built > 500, failed)
        """
    )
    assert out.splitlines() == ["d", "True 0"], out
