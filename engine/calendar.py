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
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from .errors import InputError

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
HOLIDAY_LANGUAGE = "ja"

# (country, year) -> {date: holiday name}, as the `holidays` package computes it. Filled on first
# use, or from the KB cache (engine/kbcache.py), which is told of every table computed here.
_tables: dict[tuple[str, int], dict[_dt.date, str]] = {}
table_listeners: list[Callable[[tuple[str, int], dict], None]] = []


@dataclass(frozen=True)
class Counted:
    day: _dt.date              # the resulting date
    nominal: _dt.date          # the date before any roll-forward
    skipped: tuple             # (date, reason) for each day skipped by the roll-forward


@lru_cache(maxsize=None)
def _country_class(country: str):
    """The `holidays` class of one country, importing that country's module only.

    `holidays.country_holidays` imports the module of every country the package knows (about
    280 of them: ~60 ms, and Lebanon's Islamic calendar alone is a third of it) because
    `holidays.countries` imports them all. The registry says which module defines the country;
    that one file is loaded by itself. If the package's layout ever differs, None: the caller
    falls back to `country_holidays`, which gives the same data, only slower."""
    try:
        from holidays.registry import COUNTRIES
        found = [(module, names[0]) for module, names in COUNTRIES.items() if country in names]
        spec = importlib.util.find_spec("holidays")
        if len(found) != 1 or spec is None or not spec.submodule_search_locations:
            return None
        module, cls = found[0]
        path = Path(list(spec.submodule_search_locations)[0]) / "countries" / f"{module}.py"
        mspec = importlib.util.spec_from_file_location(f"_appi_kb_holidays_{module}", path)
        if mspec is None or mspec.loader is None:
            return None
        mod = importlib.util.module_from_spec(mspec)
        mspec.loader.exec_module(mod)
        return getattr(mod, cls)
    except Exception:        # noqa: BLE001 -- any surprise in a third-party layout: fall back
        return None


def _compute(country: str, year: int) -> dict[_dt.date, str]:
    years = [year - 1, year, year + 1]     # observed days may cross the new year
    cls = _country_class(country)
    try:
        if cls is not None:
            table = cls(years=years, language=HOLIDAY_LANGUAGE)
        else:
            import holidays
            table = holidays.country_holidays(country, years=years, language=HOLIDAY_LANGUAGE)
    except (NotImplementedError, KeyError):
        raise InputError(f"unknown holiday calendar '{country}'", kind="value",
                         hint="use a country code of the holidays package, such as JP") from None
    return {day: name for day, name in sorted(table.items()) if day.year == year}


def holiday_names(country: str, year: int) -> dict[_dt.date, str]:
    """{date: name} of the national holidays of `country` in `year`."""
    key = (country, year)
    if key not in _tables:
        _tables[key] = _compute(country, year)
        for listener in table_listeners:
            listener(key, _tables[key])
    return _tables[key]


def preload(tables: dict[tuple[str, int], dict]) -> None:
    """Tables computed earlier by `holiday_names` (from the KB cache)."""
    for key, table in tables.items():
        _tables.setdefault(key, table)


def _reason(day: _dt.date, rules: list, country: str) -> str | None:
    for rule in rules:
        if isinstance(rule, str):
            if rule in _WEEKDAYS and day.weekday() == _WEEKDAYS.index(rule):
                return rule
            if rule == "national_holiday":
                name = holiday_names(country, day.year).get(day)
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
