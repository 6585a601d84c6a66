"""Errors that reach a user. Each carries the file, the line and what to do about it.

The CLI prints `InputError` as one line on stderr and exits 2; nothing else in the engine
prints. `EngineError` is a fault inside durable-rules or the engine itself (a bug, not bad input).
"""
from __future__ import annotations

from typing import Any

EXCERPT = 80     # the most characters of any value that a message quotes


def quote(value: Any, limit: int = EXCERPT) -> str:
    """A value as a message may show it: repr-quoted (control characters escaped, so nothing
    reaches the terminal raw) and cut to `limit` characters of the value, marked as cut.

    Messages quote what the user wrote so they can find it; a whole file or a 900 KB value is
    never useful and can hide the message itself."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text) if isinstance(value, str) else text
    cut = text[:limit]
    shown = repr(cut)[:-1] + "…" + repr(cut)[-1] if isinstance(value, str) else cut + "…"
    return f"{shown} (cut; {len(text):,} characters)"


class InputError(Exception):
    """Bad input: a rule file, an incident, a fixture or a command-line value."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 hint: str | None = None, kind: str = "input", about: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.hint = hint
        self.kind = kind
        self.about = about          # the id a reference error names (to find its root cause)
        self.followups: list[InputError] = []   # errors that only follow from this one

    def location(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}"
        return self.file or "<input>"

    def __str__(self) -> str:
        text = f"{self.location()}: {self.message}"
        if self.hint:
            text += f" — {self.hint}"
        if self.followups:
            text += f" ({len(self.followups)} more error(s) follow from this one)"
        return text

    def lines(self) -> list[str]:
        """This error, then the errors that follow from it, indented under it."""
        return [str(self)] + [f"    ↳ {f}" for f in self.followups]


class InputErrors(InputError):
    """Several independent problems found in one pass (validate reports them all)."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.file or "", e.line or 0, e.message))
        first = self.errors[0]
        super().__init__(first.message, file=first.file, line=first.line, hint=first.hint,
                         kind=first.kind)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def group_root_causes(errors: list[InputError], dropped: dict[str, InputError]) -> list[InputError]:
    """Root causes first: an error about an id (`about`) that a broken file defines is a knock-on
    of that file's own error, and is moved under it (`followups`); the rest stay as they are.

    `dropped` maps each id that could not be defined (its file failed to load) to that failure."""
    roots: list[InputError] = []
    for e in errors:
        cause = dropped.get(e.about) if e.about else None
        if cause is not None and cause is not e:
            e.hint = f"'{e.about}' is written in {cause.file}, which did not load: fix that first"
            cause.followups.append(e)
        else:
            roots.append(e)
    for r in roots:
        r.followups.sort(key=lambda e: (e.file or "", e.line or 0, e.message))
    return roots


class EngineError(Exception):
    """durable-rules or the engine failed; the message says where."""
