"""Many incidents in one run: `appi-kb assess A.yaml B.yaml dir/ --jobs N` (issue 6.6).

Each input gives one line of JSON Lines on stdout, in input order whatever the number of worker
processes: the assessment (the same document as `--format json`, on one line), or, for an input
that cannot be assessed, a record naming it and its errors (also printed on stderr as
`file:line: message — what to fix`). One bad file never stops the others; the exit code is the
worst of the inputs' codes (0 assessed, 2 bad input, 3 engine fault).

Workers are processes (durable-rules holds the GIL). Where `fork` exists the workers inherit the
parent's loaded KB; elsewhere each loads it from the KB cache (engine/kbcache.py).
"""
from __future__ import annotations

import gc
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
                                # worker wrote it (line is then b"")


def write(outcome: Outcome, out: BinaryIO) -> None:
    """Write `outcome`'s line and a newline to `out`. A line a worker spooled goes from its file
    to `out` in the kernel (os.sendfile) where it can: the parent never holds the bytes."""
    if outcome.spool is None:
        out.write(outcome.line + b"\n")
        return
    path, offset, length = outcome.spool
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
    """Run `one(item)` in a worker and append its line to this process's spool file, so that only
    where it is travels back to the parent (a record is ~0.6 MB; 1,000 of them through the pool's
    pipe cost the parent as much CPU as a third worker would have had)."""
    out = one(item)
    spool = _SPOOLS.get(folder)
    if spool is None:
        spool = _SPOOLS[folder] = open(os.path.join(folder, f"{os.getpid()}.jsonl"), "ab")
    offset = spool.tell()
    spool.write(out.line + b"\n")
    spool.flush()
    return Outcome(b"", out.messages, out.code, (spool.name, offset, len(out.line) + 1))


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
    return Outcome(dumps(record), tuple(str(e) for e in errors), code)


# top-level parts of an assessment shared by every assessment of a KB and day (engine/assess.py
# _Static): the rules table is ~450 KB of a ~640 KB line; its text is written once per table
SHARED = ("rules", "sections", "value_labels")
_TEXTS: dict[int, tuple[object, bytes]] = {}      # id -> (part, its compact text); holds the part


def dumps(data: dict) -> bytes:
    """compact_bytes(data), the same bytes, writing the shared parts of an assessment from the
    text remembered for them (the parts are never changed once built)."""
    if not isinstance(data, dict) or "rules" not in data:     # an error record: nothing shared
        return compact_bytes(data)
    parts = []
    for key in sorted(data):
        value = data[key]
        if key in SHARED and isinstance(value, dict | list):
            found = _TEXTS.get(id(value))
            if found is None or found[0] is not value:
                found = keep(_TEXTS, id(value), (value, compact_bytes(value)), 48)
            text = found[1]
        else:
            text = compact_bytes(value)
        parts.append(compact_bytes(key) + b":" + text)
    return b"{" + b",".join(parts) + b"}"


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
