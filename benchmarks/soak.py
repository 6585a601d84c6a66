#!/usr/bin/env python3
"""Soak run: many generated incidents in one process, through both evaluators.

    python benchmarks/soak.py                  # 10,000 incidents
    python benchmarks/soak.py -n 2000 --seed 7

Incidents are drawn from schemas/incident.schema.json by the same strategies as the property
tests (tests/incident_strategies.py), at random (no shrinking), 500 at a time. Each is assessed by the durable
back end and by the reference evaluator. Prints, and asserts nothing: how many were assessed,
how many stopped with exit 2 (no rule in force on the incident's date), engine faults (any other
exception), incidents where the two back ends disagree, the process's memory (RSS) as the run
goes on, and the first few faults or disagreements with their incidents, to reproduce.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import platform
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

from engine.assess import Engine  # noqa: E402
from engine.errors import InputError  # noqa: E402
from engine.facts import incident_facts  # noqa: E402
from engine.schemas import validate_doc  # noqa: E402
from engine.yamlio import Doc  # noqa: E402
from incident_strategies import incidents, law_dates  # noqa: E402


CHUNK = 500


def rss_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * 4096 / 2 ** 20
    except OSError:                       # not Linux: the peak is the best there is
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=10_000, help="incidents to generate (default 10,000)")
    ap.add_argument("--seed", type=int, default=None, help="a fixed seed, to repeat a run")
    ap.add_argument("--show", type=int, default=3, help="faults and disagreements to print")
    args = ap.parse_args(argv)

    durable = Engine()
    reference = Engine(durable.kb, backend="reference")
    counts = {"assessed": 0, "no_rule_in_force": 0, "input_error": 0, "fault": 0, "mismatch": 0}
    samples: list[str] = []
    memory: list[tuple[int, float]] = [(0, rss_mb())]
    timing = {"durable": 0.0, "reference": 0.0}
    start = time.perf_counter()

    def one(data: dict, fallback: _dt.date) -> None:
        seen = sum(counts.values()) - counts["mismatch"]
        if seen and seen % 1000 == 0:
            memory.append((seen, rss_mb()))
            print(f"  {seen:>6} incidents, RSS {memory[-1][1]:.0f} MB, faults {counts['fault']}, "
                  f"mismatches {counts['mismatch']}", flush=True)
        doc = Doc("generated.yaml", data, {})
        try:
            validate_doc(doc, "incident")
            facts = incident_facts(doc)
        except InputError:
            counts["input_error"] += 1
            return
        try:
            durable.choose_as_of(facts, None)
            day = None
        except InputError:
            day = fallback
        try:
            t = time.process_time()
            got = durable.assess(doc, day)
            timing["durable"] += time.process_time() - t
        except InputError as exc:
            counts["no_rule_in_force" if exc.kind == "as_of" else "input_error"] += 1
            return
        except Exception:
            counts["fault"] += 1
            if len(samples) < args.show:
                samples.append(f"FAULT {traceback.format_exc(limit=3)}\n"
                               f"  incident: {json.dumps(data, ensure_ascii=False)}")
            return
        counts["assessed"] += 1
        try:
            t = time.process_time()
            want = reference.assess(doc, day)
            timing["reference"] += time.process_time() - t
        except Exception:
            counts["fault"] += 1
            if len(samples) < args.show:
                samples.append(f"REFERENCE FAULT {traceback.format_exc(limit=3)}\n"
                               f"  incident: {json.dumps(data, ensure_ascii=False)}")
            return
        if json.dumps(got, sort_keys=True, ensure_ascii=False) != \
                json.dumps(want, sort_keys=True, ensure_ascii=False):
            counts["mismatch"] += 1
            if len(samples) < args.show:
                samples.append(f"MISMATCH incident: {json.dumps(data, ensure_ascii=False)}")

    def generate(n: int, chunk_seed: int) -> list:
        """n incidents drawn at random. Drawn in chunks, each by its own short hypothesis run,
        so that hypothesis's record of what it drew does not grow with the soak (the RSS shown
        is the engine's)."""
        pool: list = []
        draw = given(data=incidents(), fallback=law_dates)(lambda data, fallback: pool.append((data, fallback)))
        draw = settings(max_examples=n, database=None, deadline=None, derandomize=False,
                        phases=[Phase.generate], suppress_health_check=list(HealthCheck))(draw)
        if chunk_seed is not None:
            from hypothesis import seed
            draw = seed(chunk_seed)(draw)
        draw()
        return pool

    print(f"soak: {args.n} generated incidents, Python {platform.python_version()}, "
          f"{platform.platform()}", flush=True)
    done = 0
    while done < args.n:
        size = min(CHUNK, args.n - done)
        pool = generate(size, None if args.seed is None else args.seed + done)
        for data, fallback in pool:
            one(data, fallback)
        done += len(pool)
        if not pool:
            break
    elapsed = time.perf_counter() - start
    total = sum(v for k, v in counts.items() if k != "mismatch")
    memory.append((total, rss_mb()))
    faults = sum(r.faults for rs in [b for _c, b in durable._compiled.values()]
                 for group in rs.rulesets.values() for r in group)
    print(f"\nincidents generated            {total}")
    print(f"  assessed (both back ends)    {counts['assessed']}")
    print(f"  exit 2, no rule in force     {counts['no_rule_in_force']}")
    print(f"  exit 2, other input error    {counts['input_error']}")
    print(f"engine faults                  {counts['fault']}   (durable sessions that failed: {faults})")
    print(f"durable != reference           {counts['mismatch']}")
    if counts["assessed"]:
        print(f"CPU per assessment             durable {timing['durable'] / counts['assessed'] * 1000:.1f} ms, "
              f"reference {timing['reference'] / counts['assessed'] * 1000:.1f} ms")
    steps = ", ".join(f"{n}: {mb:.0f}" for n, mb in memory[1:-1])
    print(f"RSS (MB)                       start {memory[0][1]:.0f}"
          + (f", after {steps}" if steps else "") + f", end {memory[-1][1]:.0f}")
    print(f"wall time                      {elapsed:.0f} s")
    for s in samples:
        print("\n" + s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
