"""Counting days to a deadline, by a convention that the knowledge base supplies.

A convention (a parameter in YAML) says which day counts as day 1 and on which kinds of day a
deadline may not fall, for example:
    start_is_day: 1                       # the start date is day 1 (0: counting starts the next day)
    roll_forward_from: [saturday, sunday, national_holiday, {from: "12-29", to: "01-03"}]
    holiday_calendar: JP                  # the `holidays` package's country code
The engine knows what a Saturday, a national holiday and a month-day range are; it does not know
which of them the law cares about.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from functools import lru_cache

import holidays as _holidays

from .errors import InputError

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@dataclass(frozen=True)
class Counted:
    day: _dt.date              # the resulting date
    nominal: _dt.date          # the date before any roll-forward
    skipped: tuple             # (date, reason) for each day skipped by the roll-forward


@lru_cache(maxsize=8)
def _holiday_table(country: str, year: int):
    try:
        return _holidays.country_holidays(country, years=[year - 1, year, year + 1], language="ja")
    except (NotImplementedError, KeyError):
        raise InputError(f"unknown holiday calendar '{country}'", kind="value",
                         hint="use a country code of the holidays package, such as JP") from None


def _reason(day: _dt.date, rules: list, country: str) -> str | None:
    for rule in rules:
        if isinstance(rule, str):
            if rule in _WEEKDAYS and day.weekday() == _WEEKDAYS.index(rule):
                return rule
            if rule == "national_holiday":
                name = _holiday_table(country, day.year).get(day)
                if name:
                    return f"national_holiday:{name}"
            if rule not in _WEEKDAYS and rule != "national_holiday":
                raise InputError(f"unknown kind of day '{rule}' in a counting convention",
                                 kind="value", hint="use a weekday name, national_holiday, or {from, to}")
        elif isinstance(rule, dict):
            start, end = rule["from"], rule["to"]
            md = day.strftime("%m-%d")
            inside = (start <= md <= end) if start <= end else (md >= start or md <= end)
            if inside:
                return f"closed:{start}..{end}"
    return None


def count_days(start: _dt.date, days: int, convention: dict) -> Counted:
    offset = days - convention.get("start_is_day", 1)
    nominal = start + _dt.timedelta(days=offset)
    rules = convention.get("roll_forward_from", [])
    country = convention.get("holiday_calendar", "JP")
    day, skipped = nominal, []
    for _ in range(60):
        why = _reason(day, rules, country)
        if why is None:
            return Counted(day, nominal, tuple(skipped))
        skipped.append((day, why))
        day += _dt.timedelta(days=1)
    raise InputError("a counting convention skipped more than 60 days in a row", kind="value")


def window(start: _dt.date, first: int, last: int, convention: dict) -> tuple[_dt.date, _dt.date]:
    """A target window (no roll-forward): days `first` to `last` counted from `start`."""
    base = convention.get("start_is_day", 1)
    return (start + _dt.timedelta(days=first - base), start + _dt.timedelta(days=last - base))
