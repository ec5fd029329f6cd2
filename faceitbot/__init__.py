from faceitbot.telegram.lazy_models import defer_aiogram_models

# Before any module imports aiogram: its eager model build is most of a replica's memory.
defer_aiogram_models()

from faceitbot.telegram.bot_context import bind_bot_in_one_step  # noqa: E402 - aiogram only after the deferral

bind_bot_in_one_step()
