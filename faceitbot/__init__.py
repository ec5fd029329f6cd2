from faceitbot.lazy_models import defer_aiogram_models

# Before any module imports aiogram: its eager model build is most of a replica's memory.
defer_aiogram_models()
