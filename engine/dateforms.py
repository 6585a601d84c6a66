"""Dates as people write them: 2025/12/26, 2025年12月26日, 令和7年12月26日, R7.12.26, ２０２５－１２－２６.

Incident files keep one form, YYYY-MM-DD; a date written another way is refused with the ISO form
to write instead (`explain`), and the interview accepts any of these forms and echoes the ISO date
it understood (`parse`). Japanese eras are calendar data, not law: an era's first year may be
written 元年, and a date before an era began is not a date of that era.
"""
from __future__ import annotations

import datetime as _dt
import re
import unicodedata

# era: (first day, last day or None)
_ERAS = {
    "令和": (_dt.date(2019, 5, 1), None),
    "平成": (_dt.date(1989, 1, 8), _dt.date(2019, 4, 30)),
    "昭和": (_dt.date(1926, 12, 25), _dt.date(1989, 1, 7)),
}
_ERA_LETTERS = {"R": "令和", "H": "平成", "S": "昭和"}

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WESTERN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ERA = re.compile(r"^(令和|平成|昭和|[RHSrhs])\s*(元|\d{1,2})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$")
_WEEKDAY = re.compile(r"\s*[（(][月火水木金土日](?:曜日?)?[)）]\s*$")
_NO_YEAR = re.compile(r"^(\d{1,2})\s*[/月.]\s*(\d{1,2})\s*日?$")


class DateFormError(ValueError):
    """Not a date in any form we read; the message says what to write."""


def parse(text: str) -> _dt.date:
    """A date from any of the accepted forms; DateFormError says what is wrong."""
    raw = str(text).strip()
    s = _WEEKDAY.sub("", unicodedata.normalize("NFKC", raw)).strip()
    s = s.replace("－", "-").replace("ー", "-")
    if _ISO.match(s):
        return _real(int(s[:4]), int(s[5:7]), int(s[8:10]), raw)
    m = _WESTERN.match(s) or _COMPACT.match(s)
    if m:
        return _real(int(m.group(1)), int(m.group(2)), int(m.group(3)), raw)
    m = _ERA.match(s)
    if m:
        era = _ERA_LETTERS.get(m.group(1).upper(), m.group(1))
        year = 1 if m.group(2) == "元" else int(m.group(2))
        first, last = _ERAS[era]
        day = _real(first.year + year - 1, int(m.group(3)), int(m.group(4)), raw)
        if day < first or (last and day > last):
            raise DateFormError(f"'{_short(raw)}' is not a date of the {era} era "
                                f"({first.isoformat()} to {last.isoformat() if last else 'today'})")
        return day
    if _NO_YEAR.match(s):
        raise DateFormError(f"'{_short(raw)}' has no year; write the full date, e.g. 2025-12-26")
    raise DateFormError(f"'{_short(raw)}' is not a date")


def explain(text: str) -> str | None:
    """For a value that is not YYYY-MM-DD: what to write instead ('write 2025-12-26'), or None
    when it is no date at all in any form we know."""
    try:
        day = parse(text)
    except DateFormError as exc:
        return str(exc) if "era" in str(exc) or "no year" in str(exc) else None
    return f"write {day.isoformat()}"


def _real(year: int, month: int, day: int, raw: str) -> _dt.date:
    try:
        return _dt.date(year, month, day)
    except ValueError:
        raise DateFormError(f"'{_short(raw)}' is not a real calendar date") from None


def _short(value: str) -> str:
    return value if len(value) <= 80 else value[:77] + "..."


def wareki(day: _dt.date) -> str:
    """A date in the Japanese era calendar, as official forms write it: 令和6年4月1日."""
    for era, (first, last) in _ERAS.items():
        if day >= first and (last is None or day <= last):
            year = day.year - first.year + 1
            return f"{era}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"
