"""FACEIT sends numbers as strings ("0.95", "2423", sometimes ""); these read them forgivingly."""

from __future__ import annotations


def num(value: object, default: float = 0.0) -> float:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().replace(",", "."))
        except ValueError:
            return default
    return default


def whole(value: object, default: int = 0) -> int:
    return round(num(value, default))
