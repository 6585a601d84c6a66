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
from pathlib import Path
from typing import Callable, Iterator

from .errors import InputError
from .jsonfast import compact_bytes
from .yamlio import STDIN

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Outcome:
    line: bytes            # one JSON line, UTF-8 (no newline): passed to the parent and
                           # written as bytes, never decoded and encoded again
    messages: tuple        # lines for stderr
    code: int              # 0, 2 or 3


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


def dumps(data: dict) -> bytes:
    return compact_bytes(data)


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
    with ctx.Pool(jobs) as pool:
        results = pool.imap(one, rest, chunksize=chunk)
        for item in items:
            yield one(item) if item == STDIN else next(results)
