"""Plain-text assessment (the responder's view): the one-screen answer first, then (with `full`)
each section, the open points, the sources and the receipt. Layout only; the content comes from
`view.build_view`. Every line passes through `safe.plain`: nothing from the incident can reach
the terminal as a control character or an escape sequence, or start a line of its own."""
from __future__ import annotations

import datetime as _dt

from .safe import plain
from .view import Line, View, build_view, colon

INDENT = "  "


def render(assessment: dict, lang: str = "ja", sections: list[dict] | None = None, *,
           full: bool = True, only: list[str] | None = None, today: _dt.date | None = None) -> str:
    """`sections`: [{id, title}] in the KB's order (the assessment carries only section ids)."""
    return layout(build_view(assessment, lang, sections, full=full, only=only, today=today), lang)


def layout(view: View, lang: str) -> str:
    out = [view.title, "=" * 40]
    out += [f"{label}{colon(lang)}{value}" for label, value in view.header]
    for block in view.blocks:
        out += ["", f"■ {block.title}"]
        for line in block.lines:
            out += lines_of(line, 0, lang)
    return "\n".join(plain(ln) for ln in out) + "\n"


def lines_of(line: Line, depth: int, lang: str) -> list[str]:
    pad = INDENT * depth
    bullet = "・" if lang == "ja" else "- "
    if line.kind == "entry":
        first = f"{pad}● {line.text}"
    elif line.kind == "field":
        first = f"{pad}{line.label}{colon(lang)}{line.text}".rstrip()
    elif line.kind == "item":
        first = f"{pad}{bullet}{line.text}"
    elif line.kind == "quote":
        first = f"{pad}「{line.text}」" + (f" — {line.label}" if line.label else "")
    else:
        first = f"{pad}{line.text}"
    out = [first]
    for child in line.children:
        out += lines_of(child, depth + 1, lang)
    return out
