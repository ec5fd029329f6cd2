"""Bot API models built on first use instead of all at import.

aiogram declares its ~450 types with pydantic's ``defer_build`` and then rebuilds every one of
them at import to resolve forward references. That costs each replica about 100 MB of RSS and
2.5 s of start-up, almost all of it for types this bot never receives or sends. Here aiogram's
import only records the namespace it resolves with, and each model is built from that namespace
the first time pydantic needs it (pydantic's own deferred-build path), so a replica holds the
validators for the updates and methods it actually uses.
"""

import sys
from collections.abc import Mapping
from typing import Any

import pydantic

_MIN_NAMESPACE = 100  # aiogram's namespace lists every type; anything smaller is someone else's


def defer_aiogram_models() -> bool:
    """Import aiogram with lazily built models; False when aiogram was already imported."""
    if "aiogram" in sys.modules:
        return False
    original = pydantic.BaseModel.model_rebuild.__func__
    recorded: dict[str, Mapping[str, Any]] = {}

    def record(cls: Any, *, _types_namespace: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        if (
            _types_namespace is not None
            and len(_types_namespace) >= _MIN_NAMESPACE
            and cls.__module__.startswith("aiogram.")
        ):
            recorded["types"] = _types_namespace
            return None
        return original(cls, _types_namespace=_types_namespace, **kwargs)

    pydantic.BaseModel.model_rebuild = classmethod(record)  # type: ignore[method-assign,assignment]
    try:
        import aiogram.methods
        import aiogram.types  # noqa: F401
    finally:
        pydantic.BaseModel.model_rebuild = classmethod(original)  # type: ignore[method-assign]
    namespace = recorded.get("types")
    if namespace is None:
        return True  # a newer aiogram resolved its models some other way: nothing to defer

    def build(cls: Any, *, _types_namespace: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        return original(
            cls, _types_namespace=namespace if _types_namespace is None else _types_namespace, **kwargs
        )

    from aiogram.client.context_controller import BotContextController
    from aiogram.methods.base import Response

    # Every type and method derives from BotContextController; Response[...] wraps each reply.
    for base in (BotContextController, Response):
        base.model_rebuild = classmethod(build)  # type: ignore[method-assign,assignment]
    return True
