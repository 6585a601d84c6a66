#!/usr/bin/env python3
"""Write a knowledge base N times the size of rules/ into a folder, to measure how the engine scales.

    python benchmarks/grow_kb.py 8 /tmp/kb-x8            # rules/ x 8 -> /tmp/kb-x8
    python benchmarks/grow_kb.py 4 /tmp/kb-x4 --rules path/to/rules

Copy 1 is rules/ unchanged; copies 2..N are every rule file again under `x<k>/`, with every
identifier the file defines (unit, rules, conclusions, parameters, groups) renamed `x<k>.<id>`, and every
reference to such an identifier renamed with it (a prefix keeps the ids of one copy in the same
order as the originals). The copies read the same incident facts as the
original and reach the same conclusions under their own names, so an incident's assessment on the
grown KB holds the original assessment plus N-1 renamed twins: the fixtures' expectations (which
name the original codes) must still hold, and a grown KB exercises every engine limit N times.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from engine.kbload import MANIFEST  # noqa: E402
from engine.paths import RULES_DIR  # noqa: E402
from engine.yamlio import load_yaml  # noqa: E402

# values under these keys are prose or facts, never identifiers
_TEXT_KEYS = {"quote", "label", "title", "note", "fact", "question", "guidance", "url", "name"}
# values that select identifiers by their beginning (a group's members)
_PREFIX_KEYS = {"id_prefix"}


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):     # libyaml when available
    def ignore_aliases(self, data: Any) -> bool:      # the engine refuses YAML aliases
        return True


def defined_ids(data: dict) -> set[str]:
    ids = set()
    unit = data.get("unit")
    if isinstance(unit, dict) and "id" in unit:
        ids.add(unit["id"])
    for key, items in data.items():            # rules, conclusions, parameters, groups, ...
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict):
                    ids.update(item[f] for f in ("id", "code") if isinstance(item.get(f), str))
    return ids


def rename(value: Any, ids: set[str], prefix: str, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: rename(v, ids, prefix, k) for k, v in value.items()}
    if isinstance(value, list):
        return [rename(v, ids, prefix, key) for v in value]
    if isinstance(value, str) and key not in _TEXT_KEYS and (value in ids or key in _PREFIX_KEYS):
        return prefix + value
    return value


def grow(n: int, out: Path, rules: Path = RULES_DIR) -> list[Path]:
    """Write rules x n into `out` (replaced if it exists); return the rule files written."""
    if n < 1:
        raise ValueError("n must be at least 1")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(rules, out)
    from engine.kbload import rule_files      # not rules/drafts/ (templates, not rules)
    files = rule_files(rules)
    docs = {p: load_yaml(p).data for p in files}
    ids: set[str] = set()
    for data in docs.values():
        ids |= defined_ids(data)
    written = [out / p.relative_to(rules) for p in files]
    for k in range(2, n + 1):
        for p, data in docs.items():
            target = out / f"x{k}" / p.relative_to(rules)
            target.parent.mkdir(parents=True, exist_ok=True)
            copy = rename(data, ids, f"x{k}.")
            if isinstance(copy.get("$schema"), str):     # one folder deeper
                copy["$schema"] = "../" + copy["$schema"]
            target.write_text(yaml.dump(copy, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                                        width=10_000), encoding="utf-8")
            written.append(target)
    _grow_scope(out / MANIFEST, ids, n)
    return written


def _grow_scope(manifest: Path, ids: set[str], n: int) -> None:
    """kb.yaml's scope names its flag conclusions and units: each copy's are declared too (as
    copies of the same regimes), so a copy's 対象外・要確認 reads like the original's."""
    data = load_yaml(manifest).data
    scope = data.get("scope")
    if not scope or n < 2:
        return
    for part in ("covers", "does_not_cover"):
        entries = list(scope[part])
        for k in range(2, n + 1):
            for e in entries:
                copy = rename({key: v for key, v in e.items() if key != "id"}, ids, f"x{k}.")
                scope[part].append({"id": f"x{k}.{e['id']}", **copy})
    manifest.write_text(yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                                  width=10_000), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="how many copies of the knowledge base")
    ap.add_argument("out", type=Path, help="folder to write (replaced if it exists)")
    ap.add_argument("--rules", type=Path, default=RULES_DIR, help="the knowledge base to grow")
    args = ap.parse_args(argv)
    files = grow(args.n, args.out, args.rules)
    print(f"wrote {len(files)} rule files ({args.n} x {len(files) // args.n}) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
