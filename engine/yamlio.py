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

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .errors import InputError

MAX_BYTES = 1_048_576      # 1 MiB: ten times the largest rule file we expect
MAX_DEPTH = 64
MAX_NODES = 200_000

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_ALLOWED_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                 "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"}

Path_ = tuple  # a path into the document: keys and list indexes


# libyaml's C scanner is ~5x faster than PyYAML's pure-Python one (the KB has ~50 files); the
# pure-Python loader is the fallback where PyYAML was built without libyaml. Both behave the same
# (tests/test_yamlio.py runs every case through both).
def _loader_class(base: type) -> type:
    class Loader(base):
        """SafeLoader without timestamps, YAML-1.1 yes/no/on/off booleans, or aliases."""

        yaml_implicit_resolvers = {
            first: [(tag, rx) for tag, rx in resolvers
                    if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
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
    return Loader


PURE_LOADER = _loader_class(yaml.SafeLoader)
_Loader = _loader_class(getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader)


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


def read_text(path: Path, display: str, max_bytes: int = MAX_BYTES) -> str:
    """Read a file as UTF-8 text, refusing huge, empty or non-UTF-8 files with a clear message."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError("file not found", file=display, kind="missing",
                         hint="check the path") from None
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", file=display,
                         kind="missing") from None
    if path.is_dir():
        raise InputError("is a directory, not a file", file=display, kind="missing")
    if size > max_bytes:
        raise InputError(f"file is too large ({size:,} bytes; the limit is {max_bytes:,})",
                         file=display, kind="too_large",
                         hint="split it, or check that this is the file you meant")
    raw = path.read_bytes()
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
    """Load one YAML document from `path` safely, keeping line numbers."""
    path = Path(path)
    display = display or str(path)
    text = read_text(path, display, max_bytes)
    return parse_yaml(text, display)


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
                    raise self._err(key_node, f"duplicate key '{key}'",
                                    "each key may appear once in a mapping; remove or rename one",
                                    kind="duplicate_key")
                out[key] = self.build(value_node, path + (key,), depth + 1)
            return out
        if isinstance(node, SequenceNode):
            for item in node.value:
                self._once(item, node)
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        if node.tag not in _ALLOWED_TAGS:
            raise self._err(node, f"unsupported YAML tag {node.tag!r}",
                            "use plain text, numbers, true/false or null")
        try:
            value = self.loader.construct_object(node, deep=True)
        except (yaml.constructor.ConstructorError, ValueError) as exc:
            raise self._err(node, f"cannot read value {node.value!r}: {exc}") from None
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            raise self._err(node, "NaN and infinite numbers are not allowed", "write a finite number")
        return value
