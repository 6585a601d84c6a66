"""Each durable-rules limit the compiler models (engine/limits.py), pinned against durable itself.

A probe builds the boundary case in real durable-rules: at the engine value it works, one past it
durable fails the way the limit says (an error code, a crash or a hang). Probes run in a child
process, since the failures include segmentation faults and infinite loops. The same patterns go
through the compiler's model of durable's network (limits.AlphaTree), which must count exactly
what durable runs out of. And each limit's allowed value keeps a margin below the engine value.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine import limits as L
from engine.limits import EQ, GT, AlphaTest, AlphaTree
from engine.vocabulary import vocabulary

PROBE = textwrap.dedent("""
    import json, sys
    import durable_rules_engine as D
    definition, facts = json.loads(sys.stdin.read())
    try:
        h = D.create_ruleset("probe", json.dumps(definition))
    except Exception as exc:
        print("create failed:", exc); sys.exit(0)
    try:
        code, off = D.assert_facts(h, json.dumps([dict(f, sid="s") for f in facts]))
        started = D.start_action_for_state(h, off)
        message, fired = (started[1] if started else None), 0
        while message:
            fired += 1
            message = D.complete_and_start_action(h, off)
        print("ok", fired)
    except Exception as exc:
        print("assert failed:", exc)
""")


def probe(definition: dict, facts: list[dict], timeout: float = 60) -> str:
    """Run one ruleset on one batch of facts in a fresh process: 'ok N' (N rules fired),
    'create failed: ...', 'assert failed: ...', 'crash' or 'hang'."""
    try:
        out = subprocess.run([sys.executable, "-c", PROBE], input=json.dumps([definition, facts]),
                             capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "hang"
    if out.returncode < 0:
        return "crash"
    assert out.returncode == 0, out.stderr[-1000:]
    return out.stdout.strip()


def rules_from(chains: list[list[AlphaTest]]) -> tuple[dict, AlphaTree]:
    """One single-pattern rule per chain, as durable JSON and as the compiler's model sees it."""
    tree = AlphaTree()
    definition = {}
    for i, chain in enumerate(chains):
        definition[f"r{i}"] = {"all": [{"m": {"$and": [t.json() for t in chain]}}]}
        tree.add(chain, f"r{i}")
    return definition, tree


def test_every_limit_keeps_a_margin() -> None:
    for limit in L.ALL:
        assert 0 <= limit.allowed, limit
        if limit.engine:
            assert limit.allowed < limit.engine or limit is L.PATTERNS, limit
    assert L.PATTERNS.allowed == L.PATTERNS.engine   # exact and data-independent: no margin needed


@pytest.mark.parametrize("n", [L.STACK.engine, L.STACK.engine + 1])
def test_probe_tests_holding_at_once(n: int) -> None:
    # n different tests on one fact, all true for it: handleAlpha pushes them all on its stack
    definition, tree = rules_from([[AlphaTest("t", EQ, "f"), AlphaTest("v", GT, i)] for i in range(n)])
    assert tree.stack_peak()[0] == n
    got = probe(definition, [{"t": "f", "v": 10 ** 6}])
    if n <= L.STACK.engine:
        assert got == f"ok {n}"
    else:
        assert got.startswith("assert failed") and "error code: 303" in got, got


def test_probe_name_properties() -> None:
    # Tests `F<j> == 1` on distinct name properties under one node: the compiler's facts carry
    # one name property each, so only one of them holds and the stack stays shallow however many
    # there are (the model counts a family as one property); a fact carrying them all (which the
    # compiler never builds) would put every one on the stack.
    n = 2 * L.STACK.engine
    definition, tree = rules_from([[AlphaTest("t", EQ, "f"), AlphaTest(f"F{j}", EQ, 1),
                                    AlphaTest("v", GT, 0)] for j in range(n)])
    assert tree.stack_peak()[0] == 1
    assert L.name_family("F12") == L.name_family("F3") != L.name_family("C3")
    assert L.name_family("F") is None and L.name_family("Fx") is None and L.name_family("x3") is None
    assert probe(definition, [{"t": "f", "F7": 1, "v": 5}, {"t": "f", "F70": 1, "v": 5}]) == "ok 2"
    got = probe(definition, [{"t": "f", "v": 5, **{f"F{j}": 1 for j in range(n)}}])
    assert got.startswith("assert failed") and "error code: 303" in got, got


def test_compiled_patterns_find_their_fact_by_name_property() -> None:
    # no pattern tests `n == NAME` or `c == CODE` (one test per child for every fact)
    import datetime as dt

    from engine.compile import compile_kb
    from engine.kbload import load_kb
    from engine.paths import RULES_DIR
    ckb = compile_kb(load_kb(RULES_DIR), dt.date(2024, 6, 1))
    for stratum in ckb.strata:
        for plan in stratum.rulesets:
            for body in plan.definition.values():
                for pattern in body["all"]:
                    for cond in pattern.values():
                        tests = cond.get("$and", [cond])
                        assert not any(set(t) & {"n", "c"} for t in tests), tests
                        if {"t": "L"} not in tests and {"t": "__end__"} not in tests:
                            assert sum(L.name_family(p) is not None for t in tests for p in t) == 1
                        assert {"t": "f"} not in tests      # an atom's fact has no type property


@pytest.mark.parametrize("n", [L.PATTERNS.engine, L.PATTERNS.engine + 1])
def test_probe_patterns_per_rule(n: int) -> None:
    definition = {"r": {"all": [{f"a{j}": {"$and": [{"t": "f"}, {"n": j}]}} for j in range(n)],
                        "dist": 0}}
    got = probe(definition, [{"t": "f", "n": j} for j in range(n)])
    if n <= L.PATTERNS.engine:
        assert got == "ok 1"
    else:   # accepted when the ruleset is created, then every assertion fails
        assert got.startswith("assert failed") and "error code: 304" in got, got


@pytest.mark.parametrize("n", [L.BETA_LIST.engine, L.BETA_LIST.engine + 1,
                               L.BETA_LIST.engine + 2])
def test_probe_patterns_sharing_one_test(n: int) -> None:
    definition, tree = rules_from([[AlphaTest("t", EQ, "f"), AlphaTest("n", EQ, "x")]] * n)
    assert max(node.beta for node, _ in tree.nodes()) == n
    got = probe(definition, [{"t": "f", "n": "x"}])
    if n <= L.BETA_LIST.engine:
        assert got == f"ok {n}"
    elif n == L.BETA_LIST.engine + 1:
        assert got == "crash", got
    else:
        assert got.startswith("create failed") and "error code: 108" in got, got


@pytest.mark.parametrize("n", [L.CHILDREN.engine, L.CHILDREN.engine + 1])
def test_probe_children_of_one_node(n: int) -> None:
    definition, tree = rules_from([[AlphaTest("t", EQ, "f"), AlphaTest("n", EQ, i)] for i in range(n)])
    assert max(len(node.children) for node, _ in tree.nodes()) == n
    if n <= L.CHILDREN.engine:
        assert probe(definition, [{"t": "f", "n": 1}]) == "ok 1"
    else:           # every slot of the table taken: the search for a free one never ends
        assert probe(definition, [{"t": "f", "n": 1}], timeout=5) == "hang"


@pytest.mark.parametrize("n", [L.NEXT_LIST.engine + 1, L.NEXT_LIST.engine + 2])
def test_probe_or_nodes_under_one_node(n: int) -> None:
    # `$nex` tests (and the join node of every `$or`) go to a 128-entry list under their parent
    definition = {f"r{i}": {"all": [{"m": {"$and": [{"t": "f"}, {"$nex": {f"p{i}": 1}}]}}]}
                  for i in range(n)}
    got = probe(definition, [{"t": "g"}])
    if n <= L.NEXT_LIST.engine + 1:
        assert got == "ok 0"
    else:
        assert got.startswith("create failed") and "error code: 107" in got, got


@pytest.mark.parametrize("n", [L.ACTIONS.engine, L.ACTIONS.engine + 1])
def test_probe_rules_per_ruleset(n: int) -> None:
    # grouped under a discriminator so that no node has more than 400 children
    definition, _ = rules_from([[AlphaTest("t", EQ, "f"), AlphaTest("g", EQ, i // 400), AlphaTest("n", EQ, i)]
                                for i in range(n)])
    got = probe(definition, [{"t": "f", "g": 0, "n": 1}])
    if n <= L.ACTIONS.engine:
        assert got == "ok 1"
    else:
        assert got.startswith("create failed") and "error code: 106" in got, got


@pytest.mark.parametrize("n", [L.PROPERTIES.engine, L.PROPERTIES.engine + 1])
def test_probe_properties_per_fact(n: int) -> None:
    fact = {"t": "f", **{f"p{i}": i for i in range(n - 2)}}        # with "sid": n properties
    got = probe({"r": {"all": [{"m": {"t": "f"}}]}}, [fact])
    assert got == ("ok 1" if n <= L.PROPERTIES.engine else "crash"), got


def test_the_compiled_knowledge_base_stays_inside_every_limit() -> None:
    import datetime as dt

    from engine.compile import compile_kb, engine_usage
    from engine.kbload import load_kb
    from engine.paths import RULES_DIR
    usage = engine_usage(compile_kb(load_kb(RULES_DIR), dt.date(2024, 6, 1)))
    for limit in L.ALL:
        if limit.key in usage:
            assert usage[limit.key][0] <= limit.allowed or limit is L.SESSION_SIZE, \
                (limit.key, usage[limit.key])
    assert usage["next_list"][0] == 0


def test_validate_prints_the_headroom_of_each_limit(run) -> None:
    result = run("validate")
    assert result.code == 0, result.stderr[-2000:]
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("engine: ")]
    found = {}
    for ln in lines:
        m = re.match(r"engine: (\d+) of (\d+) (.+?)(?: \((.+?)\))?; durable-rules fails past (\d+)$",
                     ln)
        if m:
            found[m.group(3)] = (int(m.group(1)), int(m.group(2)), m.group(4), int(m.group(5)))
    assert set(found) == {"tests that can hold at once for one fact", "rule patterns sharing one test",
                          "tests under one node", "facts one rule joins", "properties of one fact",
                          "rules in one ruleset"}, lines
    for what, (used, allowed, where, engine) in found.items():
        assert 0 < used <= allowed < engine or what == "facts one rule joins", (what, used)
    # the place is a fact of the vocabulary, or the fact carrying earlier strata's conclusions
    assert found["tests that can hold at once for one fact"][2] in \
        {*vocabulary().facts, "earlier conclusions' levels"}
    assert any(ln.startswith("engine: 3 rulesets") or re.match(r"engine: \d+ rulesets", ln)
               for ln in lines)
    assert not [ln for ln in run("validate", "--quiet").stderr.splitlines() if "engine:" in ln]
