"""Talking to Telegram: the bot's HTTP session, the send governor under Telegram's limits, the
record of sent messages, and the aiogram adjustments (lazy models, the bot bound in one step).

Nothing here may import aiogram at package import: faceitbot/__init__.py defers aiogram's
models through telegram.lazy_models before anything else loads aiogram."""
