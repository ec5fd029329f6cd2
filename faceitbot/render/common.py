"""What every renderer returns, and small helpers they share."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None


def flag(country: str) -> str:
    """ISO country code → flag emoji; FACEIT uses lower case ("gb") and sometimes upper."""
    code = country.strip().upper()
    if len(code) != 2 or not code.isalpha():
        return "🏳"
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in code)


def fmt(value: float, digits: int = 2) -> str:
    text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


__all__ = ["Rendered", "escape", "flag", "fmt"]
