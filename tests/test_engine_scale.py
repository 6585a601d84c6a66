"""The engine at scale: the measured failures of issue 6 ("Why"), each as a test.

- a valid incident whose `event.causes` lists 8 causes crashed the engine (durable error 303);
- a knowledge base twice today's size (every rule file copied with renamed ids) passed the
  compiler and then failed at run time on most fixtures; 4x and 8x were refused;
- every engine fault leaked one durable session, and after 1,024 of them every assessment failed;
- an `Engine` that was not closed leaked its rulesets (~11 MB each).
The grown knowledge bases come from benchmarks/grow_kb.py, the script the benchmark uses.
"""
from __future__ import annotations

import gc
import json
import re
import sys
from pathlib import Path

import pytest

from engine.assess import Engine
from engine.fixtures import check, fixture_files, load_fixture
from engine.kbload import load_kb
from engine.paths import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
import grow_kb  # noqa: E402

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers  # noqa: E402
from test_engine_guards import _run_python  # noqa: E402

ALL_CAUSES = ["unauthorised_access", "ransomware", "malware", "web_skimming", "theft",
              "insider_takeout", "misdelivery", "misconfiguration"]


def test_an_incident_with_eight_causes_is_assessed(run, tmp_path: Path) -> None:
    path = tmp_path / "causes.yaml"
    path.write_text(helpers.dump({
        "incident": {"id": "eight-causes"},
        "event": {"kinds": ["leak"], "status": "occurred", "causes": ALL_CAUSES},
        "dates": {"learned": "2024-06-01"}}), encoding="utf-8")
    result = run("assess", path, "--format", "json")
    assert result.code == 0, result.stderr
    statuses = {c["code"]: c["status"] for c in json.loads(result.stdout)["conclusions"]}
    assert "established" in statuses.values()


def test_every_cause_and_kind_at_once(engine) -> None:
    from engine.vocabulary import vocabulary
    vocab = vocabulary()
    data = {"event": {"kinds": list(vocab.facts["event.kinds"].values), "status": "occurred",
                      "causes": list(vocab.facts["event.causes"].values),
                      "indicators": list(vocab.facts["event.indicators"].values)},
            "data": {"items": list(vocab.facts["data.items"].values),
                     "categories": list(vocab.facts["data.categories"].values)},
            "dates": {"learned": "2024-06-01"}}
    assessment = engine.assess(helpers.incident(data))
    assert any(c["status"] == "established" for c in assessment["conclusions"])


# ---- a knowledge base N times today's size ----------------------------------------------------

def _relative_files(value, root: str):
    """Rule entries name their file; make it relative to the knowledge base it came from."""
    if isinstance(value, dict):
        return {k: (_relative_files(v, root) if k != "file" else str(Path(v).resolve())
                    .removeprefix(root)) for k, v in value.items()}
    if isinstance(value, list):
        return [_relative_files(v, root) for v in value]
    return value


def _without_lines(value):
    if isinstance(value, dict):
        return {k: _without_lines(v) for k, v in value.items() if k != "line"}
    if isinstance(value, list):
        return [_without_lines(v) for v in value]
    return value


def _copy_k(conclusions: list[dict], k: int) -> str:
    """The conclusions of copy k, with its renaming undone (its files are rewritten by the
    generator, so rules in them start on other lines)."""
    mine = [c for c in conclusions if c["code"].startswith(f"x{k}.")]
    text = json.dumps(_without_lines(mine), sort_keys=True, ensure_ascii=False)
    return text.replace(f'"x{k}.', '"').replace(f"/x{k}/", "/")


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    out = tmp_path_factory.mktemp("grown") / "kb-x8"
    grow_kb.grow(8, out)
    with Engine(load_kb(out)) as engine:
        yield engine, str(out.resolve())


# every fixture would take most of the suite's time budget at 8x; a fixed quarter of them (and
# every fixture in benchmarks/bench.py --grown) covers every rule file many times over
SAMPLE = 4


def test_kb_times_eight_assesses_fixtures_like_the_original(grown, engine) -> None:
    big, big_root = grown
    original_root = str((PROJECT_ROOT / "rules").resolve())
    files = fixture_files()
    assert len(files) > 100
    for path in files[::SAMPLE]:
        fx = load_fixture(path)
        want = engine.assess(fx.incident, fx.as_of)
        got = big.assess(fx.incident, fx.as_of)
        assert check(got, fx.expect) == [], fx.id
        base = _relative_files(want["conclusions"], original_root)
        grown_concl = _relative_files(got["conclusions"], big_root)
        first = [c for c in grown_concl if not re.match(r"x[2-8]\.", c["code"])]
        assert json.dumps(first, sort_keys=True, ensure_ascii=False) == \
            json.dumps(base, sort_keys=True, ensure_ascii=False), fx.id
        base_text = json.dumps(_without_lines(base), sort_keys=True, ensure_ascii=False)
        for k in range(2, 9):
            assert _copy_k(grown_concl, k) == base_text, (fx.id, k)


# ---- faults are contained ---------------------------------------------------------------------

def test_two_thousand_engine_faults_leak_nothing(tmp_path: Path) -> None:
    # a ruleset durable accepts but cannot run (17 patterns: error 304 when facts arrive); every
    # fault must free its session, so the 1,024-session cap is never reached and memory stays flat
    result = _run_python(tmp_path, """
        import gc
        import helpers
        from engine.errors import EngineError
        from engine.facts import incident_facts
        from engine.session import DurableRuleset

        def rss():
            return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20

        session = DurableRuleset(helpers.faulty_plan(), "probe")
        bad = incident_facts(helpers.incident({"business": {"sector": "private", "role": "own"}}))
        good = incident_facts(helpers.incident({"business": {"role": "own"}}))
        fire = DurableRuleset._fire

        def failing(self, message, run):          # a rule action that fails half-way
            fire(self, message, run)
            raise RuntimeError("injected")

        faults = 0
        for i in range(2000):
            if i == 200:
                gc.collect()
                start = rss()
            DurableRuleset._fire = failing if i % 2 else fire
            try:
                session.evaluate(good if i % 2 else bad, {})   # fails in an action / in durable
            except EngineError:
                faults += 1
        DurableRuleset._fire = fire
        gc.collect()
        grown = rss() - start
        fired = session.evaluate(good, {})
        print(faults, sorted({f.rule for f in fired}), round(grown))
    """)
    assert result.returncode == 0, result.stderr[-2000:]
    words = result.stdout.split()
    assert words[0] == "2000", result.stdout            # every evaluation failed, cleanly
    assert "['test.ok']" in result.stdout, result.stdout    # and a valid one still runs
    assert float(words[-1]) < 20, result.stdout         # MB grown over 1,800 faults


def test_an_engine_that_is_dropped_frees_its_rulesets(tmp_path: Path) -> None:
    result = _run_python(tmp_path, """
        import gc
        from engine.assess import Engine, load_incident
        from engine.kbload import load_kb
        from engine.paths import PROJECT_ROOT, RULES_DIR

        def rss():
            return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20

        kb = load_kb(RULES_DIR)
        doc = load_incident(PROJECT_ROOT / "examples" / "online-shop-card-leak.yaml")
        Engine(kb).assess(doc)
        gc.collect()
        start = rss()
        for _ in range(12):
            Engine(kb).assess(doc)          # never closed: the garbage collector must free it
            gc.collect()
        with Engine(kb) as engine:          # closed by the context manager
            engine.assess(doc)
        gc.collect()
        print(round(rss() - start))
    """)
    assert result.returncode == 0, result.stderr[-2000:]
    assert float(result.stdout) < 40, result.stdout


def test_an_engine_freezes_what_it_keeps_and_leaves_no_cycles(tmp_path: Path) -> None:
    # engine/assess.py moves what it keeps out of the cyclic collector's way (gc.freeze); that
    # keeps nothing alive only if a KB, an engine and an assessment hold no reference cycles
    result = _run_python(tmp_path, """
        import gc
        from engine.assess import Engine, load_incident
        from engine.kbload import load_kb
        from engine.paths import PROJECT_ROOT, RULES_DIR

        doc = load_incident(PROJECT_ROOT / "examples" / "online-shop-card-leak.yaml")
        with Engine(load_kb(RULES_DIR)) as first:    # what imports leave behind is not ours
            first.assess(doc)
        gc.unfreeze()
        gc.collect()
        kb = load_kb(RULES_DIR)
        engine = Engine(kb)
        a = engine.assess(doc)
        frozen = gc.get_freeze_count()
        engine.close()
        del engine, a, kb, doc
        gc.unfreeze()                       # a frozen cycle would hide from gc.collect
        print(frozen, gc.collect())
    """)
    assert result.returncode == 0, result.stderr[-2000:]
    frozen, garbage = map(int, result.stdout.split())
    assert frozen > 10_000, "the loaded KB was not frozen"
    assert garbage == 0, f"{garbage} objects in reference cycles"
