"""The FACEIT and Telegram simulators, the fixture-world generator and the demo world.

They sit beside the product rather than in it: the wheel and the image leave them out, and only
the demo imports faceitbot (whose import patches aiogram), so the standalone simulators run
without the bot's patches. Run from the checkout: `python -m faceitbot_sim -h`.
"""
