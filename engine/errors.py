"""Errors that reach a user. Each carries the file, the line and what to do about it.

The CLI prints `InputError` as one line on stderr and exits 2; nothing else in the engine
prints. `EngineError` is a fault inside durable-rules or the engine itself (a bug, not bad input).
"""
from __future__ import annotations


class InputError(Exception):
    """Bad input: a rule file, an incident, a fixture or a command-line value."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 hint: str | None = None, kind: str = "input") -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.hint = hint
        self.kind = kind

    def location(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}"
        return self.file or "<input>"

    def __str__(self) -> str:
        text = f"{self.location()}: {self.message}"
        if self.hint:
            text += f" — {self.hint}"
        return text


class InputErrors(InputError):
    """Several independent problems found in one pass (validate reports them all)."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.file or "", e.line or 0, e.message))
        first = self.errors[0]
        super().__init__(first.message, file=first.file, line=first.line, hint=first.hint,
                         kind=first.kind)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class EngineError(Exception):
    """durable-rules or the engine failed; the message says where."""
