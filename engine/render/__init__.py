"""Renderers: an assessment dict and a language in, a string out (text, markdown or JSON)."""
from __future__ import annotations

from typing import Callable

from . import json_out, markdown, text

FORMATS: dict[str, Callable[..., str]] = {
    "text": text.render,
    "markdown": markdown.render,
    "json": json_out.render,
}


def render(assessment: dict, fmt: str = "text", lang: str = "ja",
           sections: list[dict] | None = None) -> str:
    return FORMATS[fmt](assessment, lang, sections)
