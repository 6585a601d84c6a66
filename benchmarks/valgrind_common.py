"""What benchmarks/memcheck.py and benchmarks/instructions.py share: their options (which fixtures,
which checkout, which interpreter), the check that valgrind is there, and the start of the child
each runs under valgrind."""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# the child's first lines: argv is (root, every, rounds); `fxs` every `every`th fixture of `root`
CHILD_START = r"""
import gc, sys
sys.path.insert(0, sys.argv[1])
from engine.assess import Engine
from engine.fixtures import fixture_files, load_fixture
every, rounds = int(sys.argv[2]), int(sys.argv[3])
fxs = [load_fixture(p) for p in fixture_files()][::every]
"""


def parser(doc: str, every: int) -> argparse.ArgumentParser:
    """--every N (take every Nth fixture), --root (the checkout whose engine/ the child runs, with
    this interpreter's packages) and --python (the interpreter)."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--every", type=int, default=every,
                    help=f"take every Nth fixture (default {every})")
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout whose engine/ is run")
    ap.add_argument("--python", default=sys.executable,
                    help="interpreter with the project installed")
    return ap


def missing(tool: str) -> bool:
    """True (after saying so on stderr) when valgrind is not installed."""
    if shutil.which("valgrind") is not None:
        return False
    print(f"{tool}: valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
    return True
