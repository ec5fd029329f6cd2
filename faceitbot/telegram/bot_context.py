"""Each aiogram object learns its Bot in one step instead of one per class it derives from.

Every Bot API type and method keeps the Bot it came from in a private attribute, set from the
validation context. pydantic wraps that set-up once per class in the hierarchy, so an entity in
a reply runs four nested wrappers, each resetting private attributes, before aiogram's own line
stores the Bot: half the cost of validating a small object (5.4 against 2.9 µs). A reply with
a keyboard and a dozen entities is some twenty such objects (bench/updates.py). Here every
class whose only private attribute is that Bot, and whose set-up is only that, gets one
function doing the same.
"""

from __future__ import annotations

from typing import Any

from aiogram.client.context_controller import BotContextController

_set = object.__setattr__
_PRIVATE = {"_bot"}
_PYDANTIC_WRAPPER = "wrapped_model_post_init"  # what pydantic puts around a class's post-init


def _bind_bot(self: BotContextController, context: Any, /) -> None:
    bot = context.get("bot") if context else None
    private = getattr(self, "__pydantic_private__", None)
    if private is None:
        _set(self, "__pydantic_private__", {"_bot": bot})
    else:  # a subclass with private attributes of its own has set their defaults already
        private["_bot"] = bot


def _is_wrapper(fn: Any) -> bool:
    return getattr(getattr(fn, "__code__", None), "co_name", "") == _PYDANTIC_WRAPPER


def _only_binds(fn: Any, original: Any) -> bool:
    """`fn` is pydantic's wrapping, at any depth, of aiogram's own set-up and nothing else: a
    class with a post-init of its own (none in aiogram today) keeps it."""
    while fn is not None:
        if fn is original or fn is _bind_bot:
            return True
        if not _is_wrapper(fn):
            return False
        fn = getattr(fn, "__wrapped__", None)
    return False


def _take(cls: type, original: Any) -> bool:
    if set(getattr(cls, "__private_attributes__", {})) != _PRIVATE:
        return False
    if not _only_binds(cls.__dict__.get("model_post_init", _bind_bot), original):
        return False
    cls.model_post_init = _bind_bot  # type: ignore[attr-defined]
    return True


def _take_all(cls: type, original: Any) -> int:
    return _take(cls, original) + sum(_take_all(sub, original) for sub in cls.__subclasses__())


def bind_bot_in_one_step() -> int:
    """Install on every aiogram type and method, and on subclasses defined later; returns how
    many classes took it (0 when aiogram's context controller has changed shape)."""
    wrapper = BotContextController.__dict__.get("model_post_init")
    original = getattr(wrapper, "__wrapped__", None)
    if not _is_wrapper(wrapper) or original is None:
        return 0
    if set(BotContextController.__private_attributes__) != _PRIVATE:
        return 0
    chained = BotContextController.__dict__.get("__pydantic_init_subclass__")

    def init_subclass(cls: type, **kwargs: Any) -> None:
        if chained is not None:
            chained.__func__(cls, **kwargs)
        _take(cls, original)

    BotContextController.__pydantic_init_subclass__ = classmethod(init_subclass)  # type: ignore[assignment]
    return _take_all(BotContextController, original)
