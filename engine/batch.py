"""Many incidents in one run: `appi-kb assess A.yaml B.yaml dir/ --jobs N` (issue 6.6).

Each input gives one line of JSON Lines on stdout, in input order whatever the number of worker
processes: the assessment (the document `--format json` writes, on one line), or, for an input
that cannot be assessed, a record naming it and its errors (also printed on stderr as
`file:line: message — what to fix`). One bad file never stops the others; the exit code is the
worst of the inputs' codes (0 assessed, 2 bad input, 3 engine fault).

The rules table — every rule version in force, with its citations — is the same for every
assessment of a KB and day and is two thirds of a document (~450 KB of ~640 KB). A stream writes
each table once, on its own line `{"rules": {...}, "rules_table": "<sha256>"}`, just before the
first assessment that uses it; an assessment line names its table by that SHA-256 (of the table's
text as the line writes it) in place of the table: `"rules": "<sha256>"`. engine/document.py
`read_lines` gives back the documents `--format json` writes.

Workers are processes (durable-rules holds the GIL). Where `fork` exists the workers inherit the
parent's loaded KB; elsewhere each loads it from the KB cache (engine/kbcache.py).
"""
from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from .errors import InputError
from .jsonfast import compact_bytes
from .memo import keep
from .yamlio import STDIN

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Outcome:
    line: bytes            # one JSON line, UTF-8 (no newline), never decoded and encoded again
    messages: tuple        # lines for stderr
    code: int              # 0, 2 or 3
    spool: tuple | None = None  # (file, offset, length) of the line and its newline, where a
                                # worker wrote it (line is then b""), after its table line if any
    names: str | None = None    # the SHA-256 of the rules table the line names
    table: bytes | int | None = None  # that table's line (spooled: its length with its newline),
                                      # the first time this process named the table in this run


class Stream:
    """Writes outcomes to `out` in input order: a rules table's line once, before the first
    assessment that names it (a worker sends the table with the first line of its own that names
    it; each worker takes its inputs in input order, so the first line to name a table carries it)."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.written: set[str] = set()

    def write(self, outcome: Outcome) -> None:
        skip = 0                     # bytes of the spooled table line not to copy again
        if outcome.names is not None:
            if outcome.names in self.written:
                skip = outcome.table if isinstance(outcome.table, int) else 0
            elif outcome.table is None:    # a line naming a table nobody wrote would be unreadable
                raise RuntimeError(f"batch: rules table {outcome.names} named before it was written")
            else:
                self.written.add(outcome.names)
                if isinstance(outcome.table, bytes):
                    self.out.write(outcome.table + b"\n")
        if outcome.spool is None:
            self.out.write(outcome.line + b"\n")
            return
        path, offset, length = outcome.spool
        _copy(path, offset + skip, length - skip, self.out)


def _copy(path: str, offset: int, length: int, out: BinaryIO) -> None:
    """`length` bytes of `path` from `offset`, to `out`: in the kernel (os.sendfile) where it can,
    so the parent never holds a worker's bytes."""
    out.flush()
    with open(path, "rb") as src:
        try:
            while length:
                sent = os.sendfile(out.fileno(), src.fileno(), offset, length)
                if not sent:
                    break
                offset, length = offset + sent, length - sent
        except (AttributeError, OSError) as exc:   # no sendfile for this pair: copy it
            if isinstance(exc, BrokenPipeError):
                raise
            src.seek(offset)
            out.write(src.read(length))
            length = 0
    if length:
        raise OSError(f"{path}: {length} bytes of a batch record could not be read back")


_SPOOLS: dict[str, BinaryIO] = {}       # folder -> this worker process's spool file in it


def _spooled(item: str, one: Callable[[str], Outcome], folder: str) -> Outcome:
    """Run `one(item)` in a worker and append its line (after its table's line, if it carries
    one) to this process's spool file, so that only where it is travels back to the parent (a
    record is ~0.2 MB, a table ~0.45 MB; through the pool's pipe they would cost the parent as
    much CPU as a third worker would have had)."""
    out = one(item)
    spool = _SPOOLS.get(folder)
    if spool is None:
        spool = _SPOOLS[folder] = open(os.path.join(folder, f"{os.getpid()}.jsonl"), "ab")
    offset = spool.tell()
    table = b"" if out.table is None else out.table + b"\n"
    spool.write(table + out.line + b"\n")
    spool.flush()
    return Outcome(b"", out.messages, out.code, (spool.name, offset, len(table) + len(out.line) + 1),
                   out.names, len(table) if out.table is not None else None)


def expand(paths: list[str]) -> list[str]:
    """Files as given; a directory becomes its *.yaml / *.yml files, recursively, sorted."""
    out: list[str] = []
    for p in paths:
        if p != STDIN and Path(p).is_dir():
            found = sorted(str(f) for f in Path(p).rglob("*")
                           if f.suffix in SUFFIXES and f.is_file())
            if not found:
                raise InputError("no incident files (*.yaml, *.yml) in this folder", file=p,
                                 kind="usage", hint="give YAML files or a folder that holds some")
            out.extend(found)
        else:
            out.append(p)
    return out


def error_outcome(name: str, errors: list[InputError], code: int) -> Outcome:
    record = {"file": name, "exit_code": code,
              "errors": [{"file": e.file, "line": e.line, "kind": e.kind, "message": e.message,
                          "hint": e.hint} for e in errors]}
    return Outcome(compact_bytes(record), tuple(str(e) for e in errors), code)


# top-level parts of an assessment shared by every assessment of a KB and day (engine/assess.py
# _Static): their text is written once per part object
SHARED = ("rules", "sections", "value_labels")
_TEXTS: dict[int, tuple] = {}    # id -> (part, its compact text[, for a table: the text's
                                  # SHA-256, the text as a reference, the table's own line])
_SENT: set[str] = set()          # tables this process has sent in this run (run() empties it)


def line(data: dict) -> Outcome:
    """The outcome of an assessment: its compact JSON line, the rules table named by SHA-256 and
    sent along (as its own line) the first time this process names it in this run."""
    text, names, table = dumps(data)
    if names is None or names in _SENT:
        return Outcome(text, (), 0, None, names)
    _SENT.add(names)
    return Outcome(text, (), 0, None, names, table)


def dumps(data: dict) -> tuple[bytes, str | None, bytes | None]:
    """compact_bytes(data) with its rules table (a dict) replaced by the SHA-256 of the table's
    compact text; that SHA-256; and the table's line. Parts shared by every assessment of a KB and
    day are written from the text remembered for them (they are never changed once built)."""
    if not isinstance(data, dict) or not isinstance(data.get("rules"), dict):
        return compact_bytes(data), None, None
    parts = []
    names = table = None
    for key in sorted(data):
        value = data[key]
        if key in SHARED and isinstance(value, dict | list):
            found = _TEXTS.get(id(value))
            if found is None or found[0] is not value:
                found = keep(_TEXTS, id(value), _shared(key, value), 48)
            text = found[1]
            if key == "rules":           # (the table's line is built once, not per assessment)
                names, text, table = found[2:]
        else:
            text = compact_bytes(value)
        parts.append(compact_bytes(key) + b":" + text)
    return b"{" + b",".join(parts) + b"}", names, table


def _shared(key: str, value: object) -> tuple:
    text = compact_bytes(value)
    if key != "rules":
        return value, text
    sha = hashlib.sha256(text).hexdigest()
    return (value, text, sha, b'"' + sha.encode() + b'"',
            b'{"rules":' + text + b',"rules_table":"' + sha.encode() + b'"}')


def worker_count(jobs: int) -> int:
    """--jobs 0: one per CPU this process may use."""
    if jobs > 0:
        return jobs
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run(items: list[str], one: Callable[[str], Outcome], jobs: int = 1,
        warm: Callable[[], object] | None = None) -> Iterator[Outcome]:
    """The outcome of `one(item)` for each item, in order, with `jobs` worker processes.

    `one` must be a module-level function (it is sent to the workers by name). `warm` runs in
    this process before the workers start (they inherit what it loaded, where they are forked).
    Standard input ("-") is read here, never by a worker."""
    jobs = min(worker_count(jobs), max(1, sum(1 for i in items if i != STDIN)))
    _SENT.clear()                    # a new stream: every table is sent again (and forked
                                     # workers start from this empty set)
    if jobs <= 1:
        for item in items:
            yield one(item)
        return
    if warm is not None:
        warm()
    # what the workers inherit stays shared: a collection in a worker would otherwise walk (and so
    # copy, page by page) every inherited object
    gc.freeze()
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    rest = [i for i in items if i != STDIN]
    chunk = max(1, min(16, len(rest) // (jobs * 8)))
    import tempfile                   # (only here: a single assessment's start does not need it)
    with tempfile.TemporaryDirectory(prefix="appi-kb-batch-") as folder, ctx.Pool(jobs) as pool:
        results = pool.imap(partial(_spooled, one=one, folder=folder), rest, chunksize=chunk)
        for item in items:
            yield one(item) if item == STDIN else next(results)
