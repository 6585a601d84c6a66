#!/usr/bin/env python3
"""appi-kb benchmark: prints figures, asserts nothing (see benchmarks/README.md).

    python benchmarks/bench.py [--runs 7] [--incidents 1000] [--batch-runs 3] [--factors 1,2,4,8]
                               [--skip ...]

From one run, side by side (issue 6.7):
(1) cold start: one `appi-kb assess` in a fresh process (KB cache warm, empty, off) against
    `python -c pass`, wall and CPU time, and the ratio;
(2) warm: CPU ms per assessment over the fixtures, durable-rules against the reference evaluator,
    with the part spent evaluating rules, and the cost of rendering JSON and text;
(3) the knowledge base x1, x2, x4, x8 (benchmarks/grow_kb.py): load + validate, compile,
    register, assess, and whether every fixture still passes;
(4) N generated incidents (benchmarks/make_incidents.py) through `appi-kb assess DIR`, with
    1 and 2 worker processes, alternating, medians of --batch-runs rounds; beside them the host's
    own ceiling: two independent one-worker processes on the two halves, at once;
(5) memory, (6) the size of what was measured.
The header and the footer say how busy the machine was: figures taken while other work runs
are noisy, and CPU time suffers less from that than wall time.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:       # run from a checkout without installing
        sys.path.insert(0, str(p))

from engine.assess import Engine  # noqa: E402
from engine.compile import compile_kb  # noqa: E402
from engine.errors import InputError  # noqa: E402
from engine.fixtures import fixture_files, load_fixture, run_fixture  # noqa: E402
from engine.kbcache import library_versions  # noqa: E402
from engine.kbload import load_kb  # noqa: E402
from engine.paths import FIXTURES_DIR, RULES_DIR  # noqa: E402
from engine.render import render  # noqa: E402

CLI_INCIDENT = ROOT / "benchmarks" / "incidents" / "card-leak.yaml"
SECTIONS = ("cold", "warm", "scale", "batch")


# ---- printing ---------------------------------------------------------------------------------
def line(label: str, value: str = "", note: str = "") -> None:
    print(f"  {label:<44} {value:>16}" + (f"   {note}" if note else ""))


def row(label: str, cells: list[str], width: int = 12) -> None:
    print(f"  {label:<30}" + "".join(f"{c:>{width}}" for c in cells))


def ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:.1f} ms"


# ---- how busy the machine is --------------------------------------------------------------------
def _cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _busy_jiffies() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs since boot (Linux), else None."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def _own_cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


class Load:
    """How much CPU everything else used while we measured: the noise in these figures."""

    def __init__(self) -> None:
        self.start = (_busy_jiffies(), _own_cpu(), time.monotonic())

    def others(self) -> str:
        (j0, c0, t0), j1 = self.start, _busy_jiffies()
        if j0 is None or j1 is None:
            return "n/a (no /proc/stat)"
        hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        elapsed = time.monotonic() - t0
        busy = (j1[0] - j0[0]) / hz - (_own_cpu() - c0)
        share = max(0.0, busy) / (elapsed * _cpu_count())
        return f"{share:.0%} of {_cpu_count()} CPUs used by other processes over {elapsed:.0f} s"


def loadavg() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1 / 5 / 15 min)"
    except OSError:
        return "n/a"


def git_head() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h %cd", "--date=short"],
                             capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return (out.stdout.strip() or "unknown") + (" (uncommitted changes)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def header() -> Load:
    print("appi-kb benchmark")
    line("command", shlex.join([Path(sys.executable).name] + sys.argv))
    line("python", platform.python_version(), sys.executable)
    versions = library_versions()
    line("durable-rules / holidays", f"{versions['durable_rules']} / {versions['holidays']}")
    line("platform", platform.platform())
    line("processor", platform.processor() or platform.machine(), f"{_cpu_count()} CPUs")
    line("checkout", git_head())
    line("load average at start", loadavg())
    probe = Load()
    time.sleep(1.0)
    line("before measuring (1 s idle)", "", probe.others())
    print()
    return Load()


# ---- running the command ----------------------------------------------------------------------
def cli_argv() -> list[str]:
    script = Path(sys.executable).parent / "appi-kb"         # this environment's console script
    return [str(script)] if script.exists() else [sys.executable, str(ROOT / "cli.py")]


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def timed_run(argv: list[str], env: dict | None = None, stdout=subprocess.PIPE,
              ) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall s, CPU s of the child, result)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(argv, stdout=stdout, stderr=subprocess.PIPE, env=env, cwd=ROOT,
                            timeout=3600)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result


# ---- (1) cold start ---------------------------------------------------------------------------
def bench_cold(runs: int, cache_root: Path) -> None:
    print("(1) cold start: one `appi-kb assess … --format json` in a fresh process")
    assess = cli_argv() + ["assess", str(CLI_INCIDENT), "--format", "json"]
    line("command", "", shlex.join(assess))
    base_env = dict(os.environ)
    base_env.pop("APPI_KB_NO_CACHE", None)
    # A user's Python keeps compiled bytecode (__pycache__) after the first run; with
    # PYTHONDONTWRITEBYTECODE set (as in some CI and sandbox shells) every start would compile
    # the project's modules from source again, which is not what a responder waits for.
    if base_env.pop("PYTHONDONTWRITEBYTECODE", None):
        line("PYTHONDONTWRITEBYTECODE", "unset here", "so that bytecode is cached as for a user")
    warm_env = dict(base_env, APPI_KB_CACHE_DIR=str(cache_root / "warm"))
    off_env = dict(base_env, APPI_KB_NO_CACHE="1")
    first = timed_run(assess, warm_env)[2]              # fills the warm cache
    if first.returncode != 0:
        print(f"  failed: {first.stderr.decode()[-500:]}\n")
        return
    modes = {"python -c pass": ([sys.executable, "-c", "pass"], lambda i: base_env),
             "appi-kb assess, KB cache warm": (assess, lambda i: warm_env),
             "appi-kb assess, KB cache empty": (
                 assess, lambda i: dict(base_env, APPI_KB_CACHE_DIR=str(cache_root / f"empty{i}"))),
             "appi-kb assess, KB cache off": (assess, lambda i: off_env)}
    walls: dict[str, list[float]] = {m: [] for m in modes}
    cpus: dict[str, list[float]] = {m: [] for m in modes}
    outputs = set()
    for i in range(runs):                 # interleaved, so that a change of load hits all alike
        for mode, (argv, env) in modes.items():
            wall, cpu, result = timed_run(argv, env(i))
            walls[mode].append(wall)
            cpus[mode].append(cpu)
            if argv is assess:
                outputs.add(hashlib.sha256(result.stdout).hexdigest())
    base_w = statistics.median(walls["python -c pass"])
    base_c = statistics.median(cpus["python -c pass"])
    row("", ["wall", "×pass", "CPU", "×pass"])
    for mode in modes:
        w, c = statistics.median(walls[mode]), statistics.median(cpus[mode])
        row(mode, [ms(w), f"{w / base_w:.1f}×", ms(c), f"{c / base_c:.1f}×"])
    line("same output with the cache warm, empty and off", "yes" if len(outputs) == 1 else
         f"NO ({len(outputs)} different)")
    line("", "", f"medians of {runs} interleaved runs; target: warm ≤ 12× python -c pass")
    launcher = ("import resource, subprocess, sys; "
                "subprocess.run(sys.argv[1:], capture_output=True, check=True); "
                "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    probe = subprocess.run([sys.executable, "-c", launcher, *assess], capture_output=True,
                           text=True, cwd=ROOT, timeout=300, env=warm_env)
    if probe.returncode == 0:
        line("peak memory of the CLI process (cache warm)", f"{int(probe.stdout) / 1024:.1f} MiB")
    print()


# ---- (2) warm assessment ----------------------------------------------------------------------
def fixtures() -> list:
    out = []
    for path in fixture_files([FIXTURES_DIR]) if FIXTURES_DIR.is_dir() else []:
        try:
            out.append(load_fixture(path))
        except InputError:
            continue
    return out


def make_engine(kb, backend: str) -> Engine | None:
    try:
        return Engine(kb, backend=backend)
    except (TypeError, ValueError):             # no such back end in this checkout
        return Engine(kb) if backend == "durable" else None


class EvalTimer:
    """CPU time spent inside the back end's rule evaluation (durable sessions, or the reference
    evaluator), measured by wrapping each compiled rule set's `evaluate`."""

    def __init__(self, engine: Engine) -> None:
        self.spent = 0.0
        for _ckb, runner in list(engine._compiled.values()):
            for target in (runner if isinstance(runner, list) else [runner]):
                self._wrap(target)

    def _wrap(self, target) -> None:
        inner = target.evaluate

        def evaluate(*args, **kwargs):
            start = time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                self.spent += time.process_time() - start
        target.evaluate = evaluate


def bench_warm(kb, fxs: list, runs: int) -> None:
    print(f"(2) warm: CPU time per assessment, mean over {len(fxs)} fixtures (one process, "
          "every rule set compiled first)")
    engines = {b: make_engine(kb, b) for b in ("durable", "reference")}
    results: dict[str, dict[str, float | None]] = {}
    docs = [(fx.incident, fx.as_of) for fx in fxs]
    timers = {}
    reference_same = None
    for name, engine in engines.items():
        if engine is None:
            results[name] = {"total": None, "eval": None}
            continue
        usable = []
        for doc, as_of in docs:                  # compiles every rule set needed, before timing
            try:
                engine.assess(doc, as_of)
                usable.append((doc, as_of))
            except InputError:
                continue
        docs = usable
        timers[name] = EvalTimer(engine)
    for name in engines:
        if engines[name] is None:
            continue
        totals, evals = [], []
        for _ in range(runs):
            timer = timers[name]
            timer.spent = 0.0
            start = time.process_time()
            for doc, as_of in docs:
                engines[name].assess(doc, as_of)
            totals.append((time.process_time() - start) / len(docs))
            evals.append(timer.spent / len(docs))
        results[name] = {"total": statistics.median(totals), "eval": statistics.median(evals)}
    if engines["reference"] is not None:
        reference_same = all(engines["durable"].assess(d, a) == engines["reference"].assess(d, a)
                             for d, a in docs)
    row("", ["durable", "reference"], 14)
    row("assessment (CPU ms, mean)", [ms(results[b]["total"]) for b in engines], 14)
    row("  of which rule evaluation", [ms(results[b]["eval"]) for b in engines], 14)
    durable, reference = results["durable"]["eval"], results["reference"]["eval"]
    if durable and reference:
        line("rule evaluation, durable / reference", f"{durable / reference:.2f}×")
    if reference_same is not None:
        line("same assessments, durable and reference", "yes" if reference_same else "NO")
    else:
        line("reference evaluator", "n/a", "Engine(backend='reference') does not exist here")
    engine = engines["durable"]
    sample = [engine.assess(d, a) for d, a in docs]
    sections = [{"id": s.id, "title": s.title}
                for s in sorted(engine.kb.sections.values(), key=lambda s: s.order)]
    for fmt in ("json", "text"):
        start = time.process_time()
        for a in sample:
            render(a, fmt, "ja", sections)
        line(f"render --format {fmt} (CPU, mean)", ms((time.process_time() - start) / len(sample)))
    line("", "", f"medians of {runs} rounds; targets: ≤ 6 ms per assessment, ≤ 2 ms in durable")
    print()


# ---- (3) the knowledge base ×N ----------------------------------------------------------------
def bench_scale(factors: list[int], fxs: list, work: Path) -> None:
    print("(3) the knowledge base ×N (benchmarks/grow_kb.py), rule sets for 2024-06-03")
    try:
        from grow_kb import grow
    except ImportError as exc:
        line("grow_kb", "n/a", f"benchmarks/grow_kb.py is not here yet ({exc})")
        print()
        return
    day = _dt.date(2024, 6, 3)
    cols: dict[str, list[str]] = {k: [] for k in (
        "rules", "load + validate", "compile", "compile + register", "assess (mean)",
        "fixtures passed")}
    for n in factors:
        out = work / f"kb-x{n}"
        try:
            grow(n, out)
            start = time.perf_counter()
            kb = load_kb(out)
            cols["load + validate"].append(ms(time.perf_counter() - start))
            cols["rules"].append(str(len(kb.rules)))
            start = time.perf_counter()
            compile_kb(kb, day)
            cols["compile"].append(ms(time.perf_counter() - start))
            engine = Engine(kb)
            start = time.perf_counter()
            engine.compiled(day)
            cols["compile + register"].append(ms(time.perf_counter() - start))
            passed, spent, count = 0, 0.0, 0
            for fx in fxs:
                try:
                    engine.assess(fx.incident, fx.as_of)       # compile its date first
                    start = time.process_time()
                    engine.assess(fx.incident, fx.as_of)
                    spent += time.process_time() - start
                    count += 1
                except Exception:                              # noqa: BLE001 -- counted below
                    pass
                passed += run_fixture(engine, fx).passed
            cols["assess (mean)"].append(ms(spent / count) if count else "n/a")
            cols["fixtures passed"].append(f"{passed}/{len(fxs)}")
            engine.close()
        except Exception as exc:                               # noqa: BLE001 -- report, go on
            for k, v in cols.items():
                if len(v) < factors.index(n) + 1:
                    v.append("fails")
            line(f"×{n}", "fails", f"{type(exc).__name__}: {str(exc)[:160]}")
        shutil.rmtree(out, ignore_errors=True)
    row("", [f"×{n}" for n in factors])
    for k, v in cols.items():
        row(k, v)
    line("", "", "wall ms, one run each (assess: CPU ms); target: every fixture passes at ×8")
    print()


# ---- (4) batch ----------------------------------------------------------------------------------
def bench_batch(count: int, work: Path, cache_root: Path, rounds: int) -> None:
    print(f"(4) {count:,} generated incidents through `appi-kb assess DIR` (JSON Lines)")
    from make_incidents import make
    folder = work / "incidents"
    make(count, folder)
    env = dict(os.environ, APPI_KB_CACHE_DIR=str(cache_root / "warm"))
    env.pop("APPI_KB_NO_CACHE", None)
    # --jobs 1 and --jobs 2 alternate, `rounds` times: the host's speed drifts by tens of percent
    # within minutes, and a ratio of two runs taken minutes apart measures the drift as much as
    # the workers
    walls: dict[int, list[float]] = {1: [], 2: []}
    cpus: dict[int, list[float]] = {1: [], 2: []}
    digests: set[str] = set()
    bad = size = 0
    # what two cores give this host with no coordination at all: two independent `--jobs 1`
    # processes, each on half of the incidents, at the same time. On a VM whose second vCPU is
    # not a free core the ratio of 2 workers is bounded by this, not by the workers
    halves = _halves(folder, work / "halves")
    pairs_wall: list[float] = []
    for _ in range(rounds):
        pairs_wall.append(_two_at_once(halves, work, env))
        for jobs in (1, 2):
            out = work / f"out-{jobs}.jsonl"          # hundreds of MB: to a file, not to memory
            with open(out, "wb") as sink:
                wall, cpu, result = timed_run(
                    cli_argv() + ["assess", str(folder), "--jobs", str(jobs)], env, stdout=sink)
            if result.returncode not in (0, 2):
                line(f"--jobs {jobs}", "fails", result.stderr.decode()[-300:])
                print()
                return
            with open(out, "rb") as records:          # one line per input: an error record or not
                bad = sum(1 for rec in records if rec.startswith(b'{"errors":'))
            walls[jobs].append(wall)
            cpus[jobs].append(cpu)
            digests.add(_file_sha256(out))
            size = out.stat().st_size
            out.unlink()
    for jobs in (1, 2):
        wall, cpu = statistics.median(walls[jobs]), statistics.median(cpus[jobs])
        line(f"--jobs {jobs}", f"{wall:.1f} s", f"{wall / count * 1000:.1f} ms per incident, "
             f"CPU {cpu:.1f} s; {count - bad} assessed, {bad} refused; {size / 1e6:,.0f} MB out")
    pairs = " ".join(f"{a / b:.2f}" for a, b in zip(walls[1], walls[2]))
    line("2 workers vs 1", f"{statistics.median(walls[1]) / statistics.median(walls[2]):.2f}×",
         "target ≥ 1.8× on 2 free cores")
    line("", "", f"medians of {rounds} interleaved runs; each round's ratio: {pairs}")
    line("same output with 1 and 2 workers", "yes" if len(digests) == 1 else "NO")
    ceiling = statistics.median(walls[1]) / statistics.median(pairs_wall)
    line("host: 2 independent processes vs 1", f"{ceiling:.2f}×",
         "each `--jobs 1` on half of the incidents, at once: what 2 cores give with no sharing")
    line("", "", "each round: " + " ".join(f"{a / b:.2f}" for a, b in zip(walls[1], pairs_wall))
         + f"; 2 workers reach {statistics.median(walls[1]) / statistics.median(walls[2]) / ceiling:.0%}"
         " of it")
    print()


def _halves(folder: Path, into: Path) -> list[Path]:
    """The incidents of `folder` in two folders, alternately (so both halves hold alike inputs)."""
    out = [into / "a", into / "b"]
    for half in out:
        half.mkdir(parents=True, exist_ok=True)
    for i, src in enumerate(sorted(folder.iterdir())):
        shutil.copy(src, out[i % 2] / src.name)
    return out


def _two_at_once(halves: list[Path], work: Path, env: dict) -> float:
    """Wall seconds for one `appi-kb assess HALF` per half, started together, until both end."""
    start = time.perf_counter()
    procs = []
    for i, half in enumerate(halves):
        sink = open(work / f"half-{i}.jsonl", "wb")
        procs.append((subprocess.Popen(cli_argv() + ["assess", str(half), "--jobs", "1"],
                                       stdout=sink, stderr=subprocess.DEVNULL, env=env, cwd=ROOT),
                      sink))
    for proc, sink in procs:
        proc.wait(timeout=3600)
        sink.close()
    wall = time.perf_counter() - start
    for i in range(len(halves)):
        (work / f"half-{i}.jsonl").unlink()
    return wall


# ---- (5) memory, (6) size ----------------------------------------------------------------------
def peak_memory_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss      # KiB on Linux
    if sys.platform == "darwin":
        peak //= 1024
    return peak / 1024


def report_size(kb) -> None:
    print("(6) size of what was measured")
    versions = sum(len(r.versions) for r in kb.rules.values())
    line("knowledge base", f"{kb.id} {kb.version}", f"rules_sha256 {kb.files_hash[:16]}…")
    line("rule files / rules / rule versions", f"{len(kb.files) - 1} / {len(kb.rules)} / {versions}")
    line("parameters / conclusions", f"{len(kb.parameters)} / {len(kb.conclusions)}")
    for day in (_dt.date(2024, 6, 3), _dt.date(2023, 6, 1)):
        ckb = compile_kb(kb, day)
        line(f"on {day}: rules in force / strata", f"{len(ckb.rules)} / {len(ckb.strata)}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="repetitions behind each median (7)")
    parser.add_argument("--batch-runs", type=int, default=3,
                        help="interleaved --jobs 1 / --jobs 2 runs behind the batch medians (3)")
    parser.add_argument("--incidents", type=int, default=1000,
                        help="generated incidents for the batch figure (1000)")
    parser.add_argument("--factors", default="1,2,4,8", help="KB sizes to grow (1,2,4,8)")
    parser.add_argument("--skip", action="append", default=[], choices=SECTIONS,
                        help="leave out a section (repeatable)")
    args = parser.parse_args()
    load = header()
    kb = load_kb(RULES_DIR)
    fxs = fixtures()
    with tempfile.TemporaryDirectory(prefix="appi-kb-bench-") as tmp:
        work = Path(tmp)
        if "cold" not in args.skip:
            bench_cold(args.runs, work / "cache")
        if "warm" not in args.skip:
            bench_warm(kb, fxs, args.runs)
        peak = peak_memory_mib()
        if "scale" not in args.skip:
            bench_scale([int(x) for x in args.factors.split(",")], fxs, work)
        if "batch" not in args.skip:
            bench_batch(args.incidents, work, work / "cache", args.batch_runs)
    print("(5) peak memory of this process after (2)")
    line("ru_maxrss", f"{peak:.1f} MiB")
    print()
    report_size(kb)
    print("machine while measuring")
    line("load average at the end", loadavg())
    line("other work", "", load.others())


if __name__ == "__main__":
    main()
