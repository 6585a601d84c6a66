"""Markdown assessment: the same content as the text view, as a Markdown document."""
from __future__ import annotations

import datetime as _dt
import re

from .safe import plain
from .view import Line, View, build_view

_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~])")
# what makes a line a heading, a rule, a list item, a setext underline or a block of its own
_BLOCK_START = re.compile(r"^(?:[#+=-]|\d{1,9}(?=[.)]))")


def esc(text: str) -> str:
    """Text shown exactly as written, wherever it stands: inline syntax escaped, and a string that
    would begin a block (`#`, `-`, `+`, `=`, `1.`) escaped at its start. Control characters and
    newlines are already made visible by `plain`, so no string can start a line of its own."""
    text = _SPECIAL.sub(r"\\\1", plain(text).lstrip(" "))
    m = _BLOCK_START.match(text)
    if m:
        end = m.end()
        text = (text[:end] + "\\" + text[end:]) if m.group().isdigit() else "\\" + text
    return text


def render(assessment: dict, lang: str = "ja", sections: list[dict] | None = None, *,
           full: bool = True, only: list[str] | None = None, today: _dt.date | None = None) -> str:
    return layout(build_view(assessment, lang, sections, full=full, only=only, today=today))


def layout(view: View) -> str:
    out = [f"# {esc(view.title)}", ""]
    out += [f"- **{esc(label)}**: {esc(value)}" for label, value in view.header]
    for block in view.blocks:
        out += ["", f"## {esc(block.title)}", ""]
        # entries are headings when any has details, so one block never mixes the two forms
        headings = any(ln.kind == "entry" and ln.children for ln in block.lines)
        for line in block.lines:
            if line.kind == "entry" and headings:
                out += ["", f"### {esc(line.text)}", ""] + _lines(line.children, 0) + [""]
            elif line.kind == "text":
                out += [esc(line.text), ""]
            else:
                out += _lines([line], 0)
    tidy: list[str] = []
    for ln in out:                      # one blank line between blocks, none at the end
        if ln == "" and (not tidy or tidy[-1] == ""):
            continue
        tidy.append(ln)
    while tidy and tidy[-1] == "":
        tidy.pop()
    return "\n".join(tidy) + "\n"


def _lines(lines: list[Line], depth: int) -> list[str]:
    """List items at `depth`; verbatim quotes as block quotes, one paragraph each."""
    pad = "  " * depth
    out: list[str] = []
    for i, line in enumerate(lines):
        if line.kind == "quote":
            label = f" — *{esc(line.label)}*" if line.label else ""
            out.append(f"{pad}> 「{esc(line.text)}」{label}")
            more = i + 1 < len(lines) and lines[i + 1].kind == "quote"
            out.append(f"{pad}>" if more else "")
            continue
        if line.kind == "link":
            out.append(f"{pad}- <{line.text}>")
        elif line.kind == "field":
            out.append(f"{pad}- **{esc(line.label)}**: {esc(line.text)}".rstrip())
        elif line.kind == "entry":
            out.append(f"{pad}- **{esc(line.text)}**")
        else:
            out.append(f"{pad}- {esc(line.text)}")
        out += _lines(line.children, depth + 1)
    return out
