#!/usr/bin/env python3
"""Memory errors inside durable-rules' C core, counted by valgrind's memcheck.

    python benchmarks/memcheck.py                  # every 12th fixture, twice, then a dropped engine
    python benchmarks/memcheck.py --every 4 --rounds 3
    python benchmarks/memcheck.py --root /path/to/other/checkout   # the same run on another tree

A child Python process (PYTHONMALLOC=malloc, so Python's own allocator does not hide or invent
errors) assesses the chosen fixtures on one Engine, round after round, in the same order, then
drops that Engine without close() (its finalizer frees the rulesets) and assesses once more on a
new one. valgrind writes its errors as XML; this script counts those with a frame in durable's
extension module (each as often as it happened), by kind and by the first durable function on
the stack, and prints them. Leaks are not counted: Python frees little at exit, and what this
looks for is reading or writing memory that is not ours; benchmarks/soak.py follows RSS.

Why it exists: durable-rules 2.0.28 corrupts memory when a fact held by a dispatched action frame
is retracted (deleteMessageFromFrame, src/rules/state.c, walks past the frame's 16 message slots).
The engine never retracts (engine/session.py); this is the measurement that shows it, and would
show any other path into durable that reads or writes memory it does not own. It takes minutes
(valgrind runs Python some 50x slower), so it is a benchmark, not a test. Needs valgrind
(Debian: apt-get install valgrind).

Exit status: 0 when valgrind found no error in durable, 1 when it did, 2 when it could not run.
"""
from __future__ import annotations

import collections
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import valgrind_common  # noqa: E402

CHILD = valgrind_common.CHILD_START + r"""
engine = Engine()
n = 0
for _ in range(rounds):
    for fx in fxs:
        engine.assess(fx.incident, fx.as_of)
        n += 1
del engine                       # no close(): the finalizer frees the rulesets and their sessions
gc.collect()
with Engine() as again:
    again.assess(fxs[0].incident, fxs[0].as_of)
    n += 1
print(f"assessments: {n}")
"""


def _durable(frame: ET.Element) -> bool:
    return "durable_rules_engine" in (frame.findtext("obj") or "")


def count(xml_path: Path) -> tuple[int, int, collections.Counter]:
    """(errors in all, errors with a durable frame, Counter of (kind, first durable function)),
    each error counted as often as it happened (valgrind lists an error once and its repeats in
    <errorcounts>). Leak records are left out: valgrind writes them to the XML even with
    --leak-check=no, and what is measured here is reading or writing memory that is not ours."""
    root = ET.parse(xml_path).getroot()
    times = {pair.findtext("unique"): int(pair.findtext("count") or 1)
             for counts in root.findall("errorcounts") for pair in counts.findall("pair")}
    total = 0
    found: collections.Counter = collections.Counter()
    for error in root.findall("error"):
        kind = error.findtext("kind") or "?"
        if kind.startswith("Leak_"):
            continue
        n = times.get(error.findtext("unique"), 1)
        total += n
        frames = [f for stack in error.findall("stack") for f in stack.findall("frame")]
        ours = [f for f in frames if _durable(f)]
        if ours:
            found[(kind, ours[0].findtext("fn") or "?")] += n
    return total, sum(found.values()), found


def main(argv: list[str] | None = None) -> int:
    ap = valgrind_common.parser(__doc__, every=12)
    ap.add_argument("--rounds", type=int, default=2, help="rounds over them (default 2)")
    args = ap.parse_args(argv)
    if valgrind_common.missing("memcheck"):
        return 2
    root = args.root.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        xml_path = Path(tmp) / "memcheck.xml"
        cmd = ["valgrind", "--tool=memcheck", "--xml=yes", f"--xml-file={xml_path}",
               "--num-callers=30", "--leak-check=no", args.python, "-c", CHILD, str(root),
               str(args.every), str(args.rounds)]
        env = dict(os.environ, PYTHONMALLOC="malloc")
        started = time.monotonic()
        proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
        took = time.monotonic() - started
        if proc.returncode != 0 or not xml_path.exists():
            print(f"memcheck: the child failed (exit {proc.returncode})\n{proc.stderr[-2000:]}",
                  file=sys.stderr)
            return 2
        total, ours, by = count(xml_path)
    print(f"tree: {root}")
    print(proc.stdout.strip())
    print(f"valgrind errors (leaks aside): {total} in all, {ours} with a frame in durable-rules "
          f"({took:.0f} s under valgrind)")
    for (kind, fn), n in sorted(by.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {n:6d}  {kind:<16} {fn}")
    return 1 if ours else 0


if __name__ == "__main__":
    sys.exit(main())
