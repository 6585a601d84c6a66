#!/usr/bin/env python3
"""Instructions per warm assessment, counted by valgrind's callgrind: a figure the machine's load
and speed do not move.

    python benchmarks/instructions.py                 # every 6th fixture, 1 vs 3 rounds
    python benchmarks/instructions.py --root /path/to/other/checkout   # another tree, this venv

The CPU times of bench.py drift by a third within the hour on a shared VM; instruction counts do
not, so a change that should make assessments cheaper (or must not make them dearer) is compared
here. Two child processes under callgrind assess the same fixtures on one Engine: one runs 1
round, the other 3 (after a first round that compiles every rule set the fixtures need, in
both). Everything but the extra rounds is the same in both, so

    (instructions of 3 rounds - instructions of 1 round) / (2 x fixtures)

is the cost of one warm assessment, start-up, loading and compiling cancelled out. Also printed:
the share of it inside durable-rules' C core (the inclusive cost of its entry points). It takes a few minutes and needs valgrind.
Python's hash seed is fixed in both children, so dict and set layouts are alike.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import valgrind_common  # noqa: E402

CHILD = valgrind_common.CHILD_START + r"""
with Engine() as engine:
    for fx in fxs:                      # compiles every rule set these fixtures need
        engine.assess(fx.incident, fx.as_of)
    for _ in range(rounds):
        for fx in fxs:
            engine.assess(fx.incident, fx.as_of)
print(len(fxs))
"""


def _measure(python: str, root: Path, every: int, rounds: int, out: Path) -> tuple[int, int, int]:
    """(fixtures, instructions in all, instructions in durable's extension) of one child."""
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", python, "-c", CHILD,
           str(root), str(every), str(rounds)]
    env = dict(os.environ, PYTHONHASHSEED="0")
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"the child failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    return int(proc.stdout.split()[-1]), *_instructions(out)


def _instructions(out: Path) -> tuple[int, int]:
    """Total Ir of a callgrind output file, and the inclusive Ir of durable's Python entry points
    (the extension's static `pyAssertFacts`, `pyCompleteAndStartAction`, ...: named `py`
    and a capital, which no function of CPython or the other extensions is): their own cost
    lines and the cost lines of the calls they make (a cost line right after `calls=`)."""
    total = durable = 0
    names: dict[str, str] = {}            # name compression: "(12)" -> name, shared by fn/cfn
    entry = False
    for line in out.read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            total = max(total, int(line.split()[1]))
        elif line.startswith(("fn=", "cfn=")):
            m = re.match(r"c?fn=(\(\d+\))(?: (.*))?$", line)
            name = names.setdefault(m.group(1), m.group(2) or "") if m else line.split("=", 1)[1]
            if line.startswith("fn="):
                entry = re.match(r"py[A-Z]", name) is not None
        elif entry and (line[:1].isdigit() or line[:1] in "+-*"):
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                durable += int(parts[1])
    return total, durable


def main(argv: list[str] | None = None) -> int:
    ap = valgrind_common.parser(__doc__, every=6)
    args = ap.parse_args(argv)
    if valgrind_common.missing("instructions"):
        return 2
    root = args.root.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            with ThreadPoolExecutor(2) as pool:
                one, three = pool.map(
                    lambda rounds: _measure(args.python, root, args.every, rounds,
                                            Path(tmp) / f"callgrind.{rounds}"), (1, 3))
        except RuntimeError as exc:
            print(f"instructions: {exc}", file=sys.stderr)
            return 2
    n = one[0]
    per = (three[1] - one[1]) / (2 * n)
    per_durable = (three[2] - one[2]) / (2 * n)
    print(f"tree: {root}")
    print(f"fixtures: {n} (every {args.every}th); children: 1 and 3 warm rounds")
    print(f"instructions per warm assessment: {per / 1e6:.2f} M, of which in durable-rules "
          f"{per_durable / 1e6:.2f} M ({per_durable / per:.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
