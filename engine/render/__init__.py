"""Renderers: an assessment dict and a language in, a string out (text, markdown or JSON)."""
from __future__ import annotations

import datetime as _dt
from typing import Callable

from . import json_out, markdown, text

FORMATS: dict[str, Callable[..., str]] = {
    "text": text.render,
    "markdown": markdown.render,
    "json": json_out.render,
}


def render(assessment: dict, fmt: str = "text", lang: str = "ja",
           sections: list[dict] | None = None, *, full: bool = True,
           only: list[str] | None = None, today: _dt.date | None = None) -> str:
    """`full`: the whole report after the one-screen answer (False: the one-screen answer only);
    `only`: just the blocks named (see view.block_names); `today`: the day "due in N days" counts
    from. JSON ignores all three: it always carries everything, with absolute dates."""
    if fmt == "json":
        return json_out.render(assessment, lang, sections)
    return FORMATS[fmt](assessment, lang, sections, full=full, only=only, today=today)
