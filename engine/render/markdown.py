"""Markdown assessment: the same content as the text view, as a Markdown document."""
from __future__ import annotations

import re

from .view import Line, View, build_view

_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def esc(text: str) -> str:
    """Escape Markdown syntax characters so a quote or label is shown exactly as written."""
    return _SPECIAL.sub(r"\\\1", text)


def render(assessment: dict, lang: str = "ja", sections: list[dict] | None = None) -> str:
    return layout(build_view(assessment, lang, sections))


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
