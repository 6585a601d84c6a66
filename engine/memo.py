"""Bounded memo tables.

The engine remembers, between assessments, what depends only on the rules and on values that
recur (an atom's key, what a firing means, a shared text). Incidents bring ever new values (dates,
counts), so every such table is emptied when it passes its limit: a long batch or a server never
grows without bound, and what was forgotten is computed again, the same.
"""
from __future__ import annotations

from typing import TypeVar

V = TypeVar("V")


def keep(table: dict, key: object, value: V, limit: int) -> V:
    """table[key] = value, emptying `table` first when it holds more than `limit` entries;
    returns `value`."""
    if len(table) > limit:
        table.clear()
    table[key] = value
    return value
