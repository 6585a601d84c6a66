#!/usr/bin/env python3
"""appi-kb benchmark: prints figures, asserts nothing (see benchmarks/README.md).

    python benchmarks/bench.py [--runs 5] [--seconds 1.0] [--no-cli]

(a) load + validate the KB, compile it for two dates, register the durable rulesets;
(b) assessments per second in one process, over the fixtures' incidents (fixtures/**/*.yaml, each
    with its as_of; while there are none, over benchmarks/incidents/);
(c) wall time of one `appi-kb assess` cold start in a subprocess;
(d) peak memory of this process and of the CLI subprocess;
(e) the size of what was measured: rules, versions, strata, durable rules.
Medians of --runs repetitions; no figure here is a pass/fail threshold.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:        # run from a checkout without installing: import the engine here
    sys.path.insert(0, str(ROOT))

from engine.assess import Engine, load_incident  # noqa: E402
from engine.compile import compile_kb  # noqa: E402
from engine.errors import InputError  # noqa: E402
from engine.facts import incident_facts  # noqa: E402
from engine.fixtures import fixture_files, load_fixture  # noqa: E402
from engine.kbload import load_kb  # noqa: E402
from engine.paths import FIXTURES_DIR, RULES_DIR  # noqa: E402

INCIDENTS_DIR = ROOT / "benchmarks" / "incidents"
CLI_INCIDENT = INCIDENTS_DIR / "card-leak.yaml"
OLD_DATE = _dt.date(2023, 6, 1)       # before the 2024-04-01 amendment: other rule versions


def line(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<46} {value:>14}" + (f"   {note}" if note else ""))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(first run, median of the runs after it) in seconds: the first pays for cold caches."""
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times[0], statistics.median(times[1:])


def version_of(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def git_head() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h %cd", "--date=short"],
                             capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return (out.stdout.strip() or "unknown") + (" (uncommitted changes)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def header() -> None:
    print("appi-kb benchmark")
    line("command", shlex.join([Path(sys.executable).name] + sys.argv))
    line("python", platform.python_version(), sys.executable)
    line("durable-rules", version_of("durable_rules"))
    line("platform", platform.platform())
    line("processor", platform.processor() or platform.machine(), f"{_cpu_count()} CPUs")
    line("checkout", git_head())
    print()


def _cpu_count() -> int:
    import os
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


# ---- (a) load, validate, compile, register --------------------------------------------------------

def bench_load(runs: int):
    print("(a) knowledge base: load + validate, compile, register")
    first, median = timed(lambda: load_kb(RULES_DIR), runs)
    line("load_kb (YAML + schema + semantic checks)", ms(median), f"first run {ms(first)}")
    kb = load_kb(RULES_DIR)
    today = _dt.date.today()
    for day in (today, OLD_DATE):
        first, median = timed(lambda d=day: compile_kb(kb, d), runs)
        line(f"compile_kb for {day}", ms(median), f"first run {ms(first)}")
    for day in (today, OLD_DATE):
        first, median = timed(lambda d=day: Engine(kb).compiled(d), runs)
        line(f"compile + register rulesets for {day}", ms(median),
             f"first run {ms(first)} (Engine().compiled)")
    print()
    return kb


# ---- (b) assessments per second -------------------------------------------------------------------

def workload() -> tuple[str, list[tuple[str, object, _dt.date | None]]]:
    """(where from, [(name, incident doc, as_of)]): the fixtures' incidents, else our own."""
    items = []
    paths = fixture_files([FIXTURES_DIR]) if FIXTURES_DIR.is_dir() else []
    if paths:
        for path in paths:
            try:
                fx = load_fixture(path)
            except InputError as exc:
                print(f"  note: skipping fixture that does not load: {exc}")
                continue
            items.append((fx.id, fx.incident, fx.as_of))
        if items:
            return f"{len(items)} fixtures in {FIXTURES_DIR}", items
    for path in sorted(INCIDENTS_DIR.glob("*.yaml")):
        items.append((path.stem, load_incident(path), None))
    return f"{len(items)} incidents in {INCIDENTS_DIR} (no fixtures yet)", items


def bench_throughput(kb, runs: int, seconds: float) -> None:
    print("(b) assessments per second, one process")
    source, items = workload()
    line("workload", source)
    engine = Engine(kb)
    usable = []
    for name, doc, as_of in items:            # also compiles every date the workload needs
        try:
            engine.assess(doc, as_of)
            usable.append((doc, as_of))
        except InputError as exc:
            print(f"  note: {name} does not assess and is left out: {exc}")
    if not usable:
        line("assessments per second", "n/a", "nothing to assess")
        print()
        return
    dates = {engine.choose_as_of(incident_facts(doc), as_of)[0] for doc, as_of in usable}
    rule_sets = {compile_kb(kb, day).key for day in dates}
    line("assessment dates / compiled rule sets", f"{len(dates)} / {len(rule_sets)}",
         "each set of rule versions is compiled once, before timing")
    rates = []
    for _ in range(runs):
        count, start = 0, time.perf_counter()
        while True:
            for doc, as_of in usable:
                engine.assess(doc, as_of)
            count += len(usable)
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        rates.append(count / elapsed)
    rate = statistics.median(rates)
    line("assessments per second", f"{rate:,.0f} /s",
         f"median of {runs} rounds of >= {seconds:g} s; {1000 / rate:.2f} ms each; "
         f"min {min(rates):,.0f}, max {max(rates):,.0f}")
    print()


# ---- (c) CLI cold start ---------------------------------------------------------------------------

def cli_command(override: str | None) -> tuple[list[str] | None, str]:
    if override:
        return shlex.split(override), "--cli-command"
    cli = ROOT / "cli.py"
    if not cli.exists():
        return None, f"{cli} does not exist yet"
    script = Path(sys.executable).parent / "appi-kb"        # this environment's console script
    if script.exists():
        return [str(script)], "appi-kb console script"
    return [sys.executable, str(cli)], "python cli.py"


def bench_cli(runs: int, override: str | None) -> None:
    print("(c) one `appi-kb assess` from a cold start (subprocess, wall time)")
    command, how = cli_command(override)
    if command is None:
        print(f"  skipped: {how}")
        print()
        return
    argv = command + ["assess", str(CLI_INCIDENT), "--format", "json"]
    line("command", how, shlex.join(argv))
    baseline = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        baseline.append(time.perf_counter() - start)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=120)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            print(f"  note: exit code {result.returncode}; stderr: {result.stderr.strip()[-500:]}")
            print()
            return
    line("appi-kb assess, cold start", ms(statistics.median(times)),
         f"median of {runs}; min {ms(min(times))}, max {ms(max(times))}")
    line("of which: bare interpreter start", ms(statistics.median(baseline)), "python -c pass")
    # A child forked from this (large) process starts with our memory counted in its ru_maxrss,
    # so the CLI is measured from a small launcher that does nothing else.
    launcher = ("import resource, subprocess, sys; "
                "subprocess.run(sys.argv[1:], capture_output=True, check=True); "
                "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    probe = subprocess.run([sys.executable, "-c", launcher, *argv], capture_output=True, text=True,
                           cwd=ROOT, timeout=120, check=True)
    line("peak memory of the CLI process", f"{int(probe.stdout) / 1024:.1f} MiB",
         "ru_maxrss, measured from a small launcher process")
    print()


# ---- (d) memory, (e) size -------------------------------------------------------------------------

def peak_memory_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss      # KiB on Linux
    if sys.platform == "darwin":
        peak //= 1024                                              # bytes on macOS
    return peak / 1024


def report_memory(peak_mib: float) -> None:
    print("(d) peak memory of this process (after (a) and (b))")
    line("ru_maxrss", f"{peak_mib:.1f} MiB")
    print()


def report_size(kb) -> None:
    print("(e) size of what was measured")
    versions = sum(len(r.versions) for r in kb.rules.values())
    line("knowledge base", f"{kb.id} {kb.version}", f"rules_sha256 {kb.files_hash[:16]}…")
    line("rule files", str(len(kb.files) - 1))
    line("rules / rule versions", f"{len(kb.rules)} / {versions}")
    line("parameters / conclusions", f"{len(kb.parameters)} / {len(kb.conclusions)}")
    for day in (_dt.date.today(), OLD_DATE):
        ckb = compile_kb(kb, day)
        engine_rules = sum(len(s.definition) for s in ckb.strata)
        line(f"on {day}: rules in force / strata", f"{len(ckb.rules)} / {len(ckb.strata)}")
        line(f"on {day}: durable rules compiled", str(engine_rules + len(ckb.strata)),
             f"{engine_rules} (L and U variants per alternative) + 1 sentinel per stratum")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="repetitions for each median (5)")
    parser.add_argument("--seconds", type=float, default=1.0,
                        help="minimum length of one throughput round (1.0)")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI cold-start figure")
    parser.add_argument("--cli-command", metavar="CMD",
                        help="the command to time instead of the default (this environment's "
                             "appi-kb script, else python cli.py), e.g. 'python cli.py'")
    args = parser.parse_args()
    header()
    kb = bench_load(args.runs)
    bench_throughput(kb, args.runs, args.seconds)
    peak = peak_memory_mib()      # taken before the CLI runs: this process's figure alone
    if args.no_cli:
        print("(c) skipped (--no-cli)\n")
    else:
        bench_cli(args.runs, args.cli_command)
    report_memory(peak)
    report_size(kb)


if __name__ == "__main__":
    main()
