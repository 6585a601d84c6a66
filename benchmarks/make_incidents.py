#!/usr/bin/env python3
"""Write N valid incident files, deterministically, for the batch benchmark.

    python benchmarks/make_incidents.py 1000 /tmp/incidents

Each incident is a fixture's incident (fixtures/**/*.yaml, in file order, round robin) with its
facts varied by its number i, so that the batch does not assess the same few documents again:
- every date moves by the same number of days (0 to 729, keeping their order), across the
  2024-04-01 amendment of 規則7条3号 and across year ends and holidays;
- a plain count of people becomes one of 0, 1, 999, 1000, 1001, 1500, 5000, 100000;
- every fifth incident says `unknown` for one more fact that allows it.
A variant that the schema refuses is replaced by its fixture's incident unchanged, so exactly N
files are written, each valid, and the same N files every time (no randomness, no clock).
Only fixtures whose incident carries its own assessment date are used (no `--as-of` needed).
"""
from __future__ import annotations

import argparse
import copy
import datetime as _dt
import re
import sys
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from engine.errors import InputError  # noqa: E402
from engine.facts import incident_facts  # noqa: E402
from engine.fixtures import fixture_files, load_fixture  # noqa: E402
from engine.kbload import MANIFEST  # noqa: E402
from engine.paths import FIXTURES_DIR, RULES_DIR  # noqa: E402
from engine.schemas import validate_doc  # noqa: E402
from engine.yamlio import Doc, load_yaml  # noqa: E402

COUNTS = [0, 1, 999, 1000, 1001, 1500, 5000, 100000]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@lru_cache(maxsize=1)
def _as_of_facts() -> tuple[str, ...]:
    return tuple(load_yaml(RULES_DIR / MANIFEST).data["kb"]["as_of_facts"])


def base_incidents() -> list[dict]:
    """The incidents of the fixtures that name their own assessment date, in file order."""
    facts = _as_of_facts()
    out = []
    for path in fixture_files([FIXTURES_DIR]):
        try:
            load_fixture(path)                  # only fixtures that read as valid
        except InputError:
            continue
        # the incident as written (reading a file normalises it: labels to codes, event.status to
        # the set of statuses, derived facts added, and that form is not input), and one that
        # stands alone (a reference to another incident file would break once written elsewhere)
        data = load_yaml(path).data.get("incident")
        if not isinstance(data, dict) or "refers_to" in (data.get("incident") or {}):
            continue
        if any(isinstance(data.get(f.split(".")[0], {}).get(f.split(".")[1]), str)
               and _DATE.match(data[f.split(".")[0]][f.split(".")[1]]) for f in facts):
            out.append(data)
    return out


def _shift(node, days: int):
    if isinstance(node, dict):
        return {k: _shift(v, days) for k, v in node.items()}
    if isinstance(node, list):
        return [_shift(v, days) for v in node]
    if isinstance(node, str) and _DATE.match(node):
        return (_dt.date.fromisoformat(node) + _dt.timedelta(days=days)).isoformat()
    return node


def _unknown_one(data: dict, i: int) -> dict:
    """Turn the (i mod k)-th plain fact of the incident into `unknown` (never a date the
    assessment date is taken from)."""
    keep = set(_as_of_facts())
    leaves = [(sec, key) for sec, part in sorted(data.items()) if isinstance(part, dict)
              and sec not in ("incident", "business") for key, value in sorted(part.items())
              if value != "unknown" and not isinstance(value, (dict, list))
              and f"{sec}.{key}" not in keep]
    if not leaves:
        return data
    sec, key = leaves[i % len(leaves)]
    data[sec][key] = "unknown"
    return data


def variant(base: dict, i: int) -> dict:
    data = _shift(copy.deepcopy(base), (i * 37) % 730)
    affected = data.get("affected")
    if isinstance(affected, dict) and isinstance(affected.get("number"), int):
        affected["number"] = COUNTS[i % len(COUNTS)]
    if i % 5 == 0:
        data = _unknown_one(data, i // 5)
    meta = data.setdefault("incident", {})
    meta["id"] = f"bench-{i:05d}"
    return data


def _valid(data: dict) -> bool:
    """Valid against the schema, and its facts consistent (dates in order, counts)."""
    try:
        doc = Doc("<generated>", copy.deepcopy(data))       # reading normalises the document
        validate_doc(doc, "incident")
        incident_facts(doc)
        return True
    except InputError:
        return False


def make(n: int, out: Path) -> list[Path]:
    bases = base_incidents()
    if not bases:
        raise SystemExit("no fixture incident carries its own date")
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        base = bases[i % len(bases)]
        data = variant(base, i)
        if not _valid(data):
            data = copy.deepcopy(base)
            data.setdefault("incident", {})["id"] = f"bench-{i:05d}"
        path = out / f"incident-{i:05d}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    paths = make(args.n, args.out)
    print(f"wrote {len(paths)} incidents to {args.out}")


if __name__ == "__main__":
    main()
