"""Labels that follow the law's numbers and dates.

A label may take a number from a parameter, `{param:ID}`, so that 「本人の数が{param:…}人超」 reads
1,000 while the threshold is 1,000 and 500 once it is 500; a conclusion may also carry dated
`labels:` that replace its label from a date. `numbers_in` reads the numbers a label states
(1,000 / 1000 / 千 / 五百), so validation can tell a label that no longer matches its parameter.
"""
from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from typing import Any

PLACEHOLDER = re.compile(r"\{param:([^{}\s]+)\}")


def placeholders(text: dict) -> list[str]:
    """Parameter ids named in a label's ja and en texts, in order, once each."""
    found = [m for lang in ("ja", "en") for m in PLACEHOLDER.findall(str(text.get(lang, "")))]
    return list(dict.fromkeys(found))


def format_value(value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,g}"
    if isinstance(value, dict) and lang in value:
        return str(value[lang])
    return str(value)


def fill(text: dict, value_of) -> dict:
    """The label with each {param:ID} replaced by `value_of(ID)` (a value, or None when the
    parameter has no value then: the placeholder is left as written)."""
    out = dict(text)
    for lang in ("ja", "en"):
        if lang not in text:
            continue

        def repl(m: re.Match, _lang=lang) -> str:
            v = value_of(m.group(1))
            return m.group(0) if v is None else format_value(v, _lang)
        out[lang] = PLACEHOLDER.sub(repl, str(text[lang]))
    return out


def dated(base: dict, versions: list[dict], day: _dt.date | None) -> dict:
    """`base`, or the dated label in force on `day`."""
    if day is not None:
        for v in versions:
            start, end = v["valid_from"], v.get("valid_to")
            start = _dt.date.fromisoformat(start) if isinstance(start, str) else start
            end = _dt.date.fromisoformat(end) if isinstance(end, str) else end
            if start <= day and (end is None or day <= end):
                return {"ja": v["ja"], "en": v["en"]}
    return base


# ---- numbers written in a label --------------------------------------------------------------
_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}
_SMALL = {"十": 10, "百": 100, "千": 1000}
_LARGE = {"万": 10_000, "億": 100_000_000}
_KANJI = re.compile(r"[〇一二三四五六七八九十百千万億]+")
_ARABIC = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")


def _kanji_number(s: str) -> int | None:
    total = section = digit = 0
    seen = False
    for ch in s:
        if ch in _DIGITS:
            digit = digit * 10 + _DIGITS[ch]
            seen = True
        elif ch in _SMALL:
            section += (digit or 1) * _SMALL[ch]
            digit, seen = 0, True
        elif ch in _LARGE:
            total += (section + digit or 1) * _LARGE[ch]
            section = digit = 0
            seen = True
    return total + section + digit if seen else None


def numbers_in(text: str) -> set[int]:
    """The numbers a text states, in Arabic (1,000 / 1000 / １０００) or kanji (千, 五百, 1万)."""
    text = PLACEHOLDER.sub(" ", unicodedata.normalize("NFKC", text))
    out = {int(m.replace(",", "")) for m in _ARABIC.findall(text)}
    # "1万" and "3千": an Arabic number followed by a kanji unit
    for m in re.finditer(r"(\d+)([十百千万億])", text):
        out.add(int(m.group(1)) * {**_SMALL, **_LARGE}[m.group(2)])
    for m in _KANJI.findall(text):
        n = _kanji_number(m)
        if n:
            out.add(n)
    return out
