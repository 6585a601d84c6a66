"""Safe YAML loading with line numbers, for every file the engine reads.

Why not plain `yaml.safe_load`:
- it silently keeps the last of two duplicate keys (an editor's typo would vanish);
- it expands aliases, so a few hundred bytes can become gigabytes (an "alias bomb");
- it turns `2024-02-30` into an exception and `2024-04-01` into a `date`, and `on`/`no` into
  booleans; we keep dates as text and validate them ourselves, and accept only true/false;
- it forgets where each value came from, and every error here must name a line.

`load_yaml` returns a `Doc`: the plain Python data plus a map from each value's path to its line.
"""
from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .errors import EXCERPT, InputError, quote

MAX_BYTES = 1_048_576      # 1 MiB: ten times the largest rule file we expect
MAX_DEPTH = 64
MAX_NODES = 200_000

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
# Numbers are plain decimal. YAML 1.1 also reads 01500 as octal (832), 0x5DC as hex, 1_500 with
# its underscore dropped and 1:30 in base 60 (90), all silently; those forms are refused with the
# decimal to write instead. Floats are decimal too (1.5e3 is a float, as in YAML 1.2).
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"""^(?:[-+]?(?:(?:0|[1-9][0-9]*)\.[0-9]*(?:[eE][-+]?[0-9]+)?
                               |(?:0|[1-9][0-9]*)[eE][-+]?[0-9]+
                               |\.[0-9]+(?:[eE][-+]?[0-9]+)?
                               |\.(?:inf|Inf|INF))
                       |\.(?:nan|NaN|NAN))$""", re.X)
_NOT_DECIMAL = re.compile(r"""^[-+]?(?:0[bB][0-9_]+|0[oO][0-9_]+|0[xX][0-9a-fA-F_]+
                                  |[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?
                                  |[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?
                                  |\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?)$""", re.X)
NOT_DECIMAL_TAG = "tag:appi-kb,2024:not-decimal"
_ALLOWED_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                 "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"}
_KEPT = ("tag:yaml.org,2002:null", "tag:yaml.org,2002:merge", "tag:yaml.org,2002:value",
         "tag:yaml.org,2002:yaml")

Path_ = tuple  # a path into the document: keys and list indexes


# libyaml's C scanner is ~5x faster than PyYAML's pure-Python one (the KB has ~50 files); the
# pure-Python loader is the fallback where PyYAML was built without libyaml. Both behave the same
# (tests/test_yamlio.py runs every case through both).
def _loader_class(base: type) -> type:
    class Loader(base):
        """SafeLoader with decimal numbers only, true/false the only booleans, no timestamps
        (dates stay text, checked by the schemas), and no aliases."""

        yaml_implicit_resolvers = {
            first: [(tag, rx) for tag, rx in resolvers if tag in _KEPT]
            for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }

        def compose_node(self, parent, index):  # type: ignore[override]  (pure-Python loader only)
            if self.check_event(AliasEvent):
                event = self.peek_event()
                raise InputError("YAML aliases (*name) are not allowed",
                                 line=event.start_mark.line + 1,
                                 hint="write the value out in full instead of referring to an anchor")
            return super().compose_node(parent, index)

    for first in "tTfF":
        Loader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list(first))
    # tried in this order: a scalar that is not a plain decimal but would be read as a number
    # by some YAML is marked, and refused by the builder
    Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
    Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
    Loader.add_implicit_resolver(NOT_DECIMAL_TAG, _NOT_DECIMAL, list("-+0123456789."))
    return Loader


def decimal_for(text: str) -> str | None:
    """The plain decimal that a non-decimal number form stands for ('0x5DC' -> '1500'), or None
    when it is likely not a number at all (10:30, a time)."""
    t = text.replace("_", "")
    sign = "-" if t[:1] == "-" else ""
    t = t.lstrip("+-")
    low = t.lower()
    try:
        for prefix, base in (("0x", 16), ("0o", 8), ("0b", 2)):
            if low.startswith(prefix):
                return sign + str(int(low[2:], base))
        if ":" in t:
            return None
        if "." in t or "e" in low:
            f = float(t)
            return sign + (str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f))
        return sign + str(int(t))
    except ValueError:
        return None


PURE_LOADER = _loader_class(yaml.SafeLoader)
_Loader = _loader_class(getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader)


def path_text(path: Path_) -> str:
    """A path for messages: affected.number.history[0].at_most (long keys cut)."""
    parts: list[str] = []
    for p in path:
        key = str(p) if len(str(p)) <= EXCERPT else quote(p)     # a key is user input too
        parts.append(f"[{p}]" if isinstance(p, int) else (("." if parts else "") + key))
    return "".join(parts) or "top level"


@dataclass
class Doc:
    """A loaded YAML (or JSON) document: `data` and the line of every value in it."""
    path: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        p = tuple(path)
        while True:
            if p in self.lines:
                return self.lines[p]
            if not p:
                return None
            p = p[:-1]

    def error(self, path: Path_, message: str, hint: str | None = None,
              kind: str = "input") -> InputError:
        return InputError(message, file=self.path, line=self.line_of(path), hint=hint, kind=kind)


STDIN = "-"           # the one name that reads standard input
STDIN_DISPLAY = "<stdin>"
_FILE_TYPES = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a pipe (FIFO)"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
               (stat.S_ISSOCK, "a socket"))


def _not_regular(mode: int, display: str) -> InputError:
    what = next((name for test, name in _FILE_TYPES if test(mode)), "not a regular file")
    return InputError(f"is {what}, not a regular file", file=display, kind="not_a_file",
                      hint="give the path of a YAML file, or - to read standard input")


def read_bytes(path: Path | str, display: str, max_bytes: int = MAX_BYTES) -> bytes:
    """At most `max_bytes` of a regular file (a symlink is read as its target), or of standard
    input when `path` is "-". Anything else (a pipe, a device, a directory, a socket) is refused
    before it is read: /dev/zero never ends and a FIFO blocks until someone writes to it.
    The limit counts the bytes actually read, not the size the file claims."""
    if str(path) == STDIN:
        data = sys.stdin.buffer.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise InputError(f"standard input is too large (more than {max_bytes:,} bytes; the "
                             f"limit is {max_bytes:,})", file=display, kind="too_large",
                             hint="split it, or check that this is the input you meant")
        return data
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(mode, display)
        # O_NONBLOCK: if the path was swapped for a FIFO since the stat, open must not hang
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise InputError("file not found", file=display, kind="missing",
                         hint="check the path") from None
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", file=display,
                         kind="missing") from None
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fh.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(mode, display)
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"file is too large (more than {max_bytes:,} bytes; the limit is "
                         f"{max_bytes:,})", file=display, kind="too_large",
                         hint="split it, or check that this is the file you meant")
    return data


def read_text(path: Path | str, display: str, max_bytes: int = MAX_BYTES) -> str:
    """Read a file (or "-", standard input) as UTF-8 text, refusing huge, empty or non-UTF-8
    input with a clear message."""
    raw = read_bytes(path, display, max_bytes)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise InputError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
                         file=display, line=line, kind="encoding",
                         hint="save the file as UTF-8") from None
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise InputError("contains a NUL byte; this is not a text file", file=display,
                         line=line, kind="encoding", hint="save the file as UTF-8 text")
    return text


def load_yaml(path: Path | str, display: str | None = None, max_bytes: int = MAX_BYTES) -> Doc:
    """Load one YAML document from `path` ("-": standard input) safely, keeping line numbers."""
    display = display or (STDIN_DISPLAY if str(path) == STDIN else str(path))
    return parse_yaml(read_text(path, display, max_bytes), display)


def parse_yaml(text: str, display: str, loader_class: type | None = None) -> Doc:
    loader = (loader_class or _Loader)(text)
    try:
        try:
            node = loader.get_single_node()
        except InputError as exc:
            exc.file = display
            exc.kind = "alias"
            raise
        except yaml.composer.ComposerError as exc:
            mark = exc.problem_mark or exc.context_mark
            if "single document" in f"{exc.context} {exc.problem}":
                raise InputError("contains more than one YAML document (a second '---')",
                                 file=display, line=mark.line + 1 if mark else None,
                                 kind="syntax", hint="keep one document per file") from None
            raise _syntax_error(exc, display) from None
        except yaml.YAMLError as exc:
            raise _syntax_error(exc, display) from None
        if node is None:
            raise InputError("file is empty", file=display, kind="empty",
                             hint="it must contain a YAML mapping (key: value lines); see examples/ for an incident")
        builder = _Builder(loader, display)
        data = builder.build(node, (), 0)
        return Doc(display, data, builder.lines)
    finally:
        loader.dispose()


_FLOW = {"while parsing a flow sequence": ("[", "]"), "while parsing a flow mapping": ("{", "}")}


def _syntax_error(exc: yaml.YAMLError, display: str) -> InputError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    message = f"YAML syntax error: {problem}"
    if context:
        message += f" ({context})"
    hint = "check indentation and quoting on this line and the one before it"
    if "\t" in problem or "tab" in problem:
        hint = "YAML indentation must use spaces, not tabs"
    context_mark = getattr(exc, "context_mark", None)
    if "end of stream" in problem and context and "quoted" in context and context_mark:
        # noticed only at the end of the file: name the line where the quote was opened
        mark = context_mark
        message = "YAML syntax error: a quoted value is opened on this line and never closed"
        hint = "close the quote at the end of the value (or remove it)"
    elif context in _FLOW and context_mark and mark and mark.line > context_mark.line:
        # a [ or { left open is noticed lines later, where the next key appears: name the line
        # where it was opened
        opener, closer = _FLOW[context]
        mark = context_mark
        message = f"YAML syntax error: a {opener} opened on this line is never closed"
        hint = f"close it with {closer} at the end of the same line"
    return InputError(message, file=display, line=mark.line + 1 if mark else None,
                      kind="syntax", hint=hint)


class _Builder:
    """Turns a composed node graph into Python data, recording lines and refusing surprises."""

    def __init__(self, loader, display: str) -> None:
        self.loader = loader
        self.display = display
        self.lines: dict[Path_, int] = {}
        self.count = 0
        self.seen: set[int] = set()     # an alias is the same node object met a second time

    def _once(self, node, where) -> None:
        if id(node) in self.seen:
            raise InputError("YAML aliases (*name) are not allowed", file=self.display,
                             line=where.start_mark.line + 1, kind="alias",
                             hint="write the value out in full instead of referring to an anchor")
        self.seen.add(id(node))

    def _err(self, node, message: str, hint: str | None = None, kind: str = "syntax"):
        return InputError(message, file=self.display, line=node.start_mark.line + 1,
                          hint=hint, kind=kind)

    def _not_decimal(self, node, path: Path_) -> InputError:
        text, where = node.value, path_text(path)
        if ":" in text and decimal_for(text) is None:
            return self._err(node, f"{where}: {quote(text)} would be read as a number in base 60",
                             "put it in double quotes if it is text, such as a time",
                             kind="number")
        decimal = decimal_for(text)
        write = f"write {decimal}" if decimal and len(decimal) <= EXCERPT else "write the number"
        return self._err(node, f"{where}: {quote(text)} is not a plain decimal number",
                         f"{write} (YAML reads a leading 0 as octal, 0x as hex and drops "
                         "underscores), or put it in double quotes if it is text", kind="number")

    def build(self, node, path: Path_, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self._err(node, f"document has more than {MAX_NODES:,} values",
                            "split it or remove generated content", kind="too_large")
        if depth > MAX_DEPTH:
            raise self._err(node, f"nesting deeper than {MAX_DEPTH} levels",
                            "flatten the structure", kind="too_large")
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                self._once(value_node, key_node)
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise self._err(key_node, "YAML merge keys (<<) are not allowed",
                                    "write the keys out in full")
                if not isinstance(key_node, ScalarNode):
                    raise self._err(key_node, "mapping keys must be plain text")
                key = self.loader.construct_scalar(key_node)
                if key in out:
                    raise self._err(key_node, f"duplicate key {quote(key)}",
                                    "each key may appear once in a mapping; remove or rename one",
                                    kind="duplicate_key")
                out[key] = self.build(value_node, path + (key,), depth + 1)
            return out
        if isinstance(node, SequenceNode):
            for item in node.value:
                self._once(item, node)
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        if node.tag == NOT_DECIMAL_TAG:
            raise self._not_decimal(node, path)
        if node.tag not in _ALLOWED_TAGS:
            raise self._err(node, f"unsupported YAML tag {quote(node.tag)}",
                            "use plain text, numbers, true/false or null")
        try:
            value = self.loader.construct_object(node, deep=True)
        except (yaml.constructor.ConstructorError, ValueError) as exc:
            reason = quote(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            raise self._err(node, f"cannot read value {quote(node.value)}: {reason}") from None
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            raise self._err(node, "NaN and infinite numbers are not allowed", "write a finite number")
        return value
