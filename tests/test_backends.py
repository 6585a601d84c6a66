"""One evaluator interface, two back ends: durable-rules (the CLI's) and the pure-Python reference
evaluator (engine/reference.py) give byte-identical assessments on every fixture.

Generated incidents are compared too (tests/test_properties.py, benchmarks/soak.py)."""
from __future__ import annotations

import json

import pytest

from engine.assess import Engine
from engine.fixtures import fixture_files, load_fixture


@pytest.fixture(scope="module")
def reference(engine):
    with Engine(engine.kb, backend="reference") as ref:
        yield ref


def test_every_fixture_gives_the_same_bytes(engine, reference) -> None:
    files = fixture_files()
    assert len(files) > 100
    for path in files:
        fx = load_fixture(path)
        got = engine.assess(fx.incident, fx.as_of)
        want = reference.assess(fx.incident, fx.as_of)
        assert _bytes(got) == _bytes(want), fx.id


def test_the_firings_are_the_same(engine, reference) -> None:
    # stricter than the documents: every firing of every stratum, certain and possible
    from engine.facts import incident_facts
    from engine.resolve import Resolver
    for path in fixture_files()[::7]:
        fx = load_fixture(path)
        facts = incident_facts(fx.incident)
        day, _ = engine.choose_as_of(facts, fx.as_of)
        (ckb, durable), (_ckb, ref) = engine.compiled(day), reference.compiled(day)
        resolver = Resolver(ckb, facts)
        for stratum in ckb.strata:
            levels = {c: resolver.code(c).level for c in stratum.needs}
            got, want = durable.evaluate(stratum, facts, levels), ref.evaluate(stratum, facts, levels)
            assert [f.sort_key() for f in got] == [f.sort_key() for f in want], (fx.id, stratum.index)
            resolver.add(got)


def _bytes(assessment: dict) -> str:
    return json.dumps(assessment, sort_keys=True, ensure_ascii=False)


def test_assessments_in_any_order_give_the_same_bytes(engine, reference) -> None:
    # each durable rule set keeps one session across assessments and retracts what a run
    # asserted (engine/session.py): if anything of one incident stayed behind, the next one
    # would be joined with it. Every fixture, in shuffled order on a new engine, so each follows
    # another, must still give the reference evaluator's bytes (which keeps no state)
    import random
    fxs = [load_fixture(path) for path in fixture_files()]
    want = {fx.id: _bytes(reference.assess(fx.incident, fx.as_of)) for fx in fxs}
    random.Random(6).shuffle(fxs)
    with Engine(engine.kb) as durable:
        for before, fx in zip([None] + fxs, fxs):
            assert _bytes(durable.assess(fx.incident, fx.as_of)) == want[fx.id], \
                (fx.id, "after", before and before.id)


def test_the_kept_sessions_hold_nothing_between_assessments(engine) -> None:
    # durable's own account of every kept session after each fixture: no fact, no event (only
    # the session's state record, which durable keeps in any session it has seen a fact in)
    import durable_rules_engine as dre
    with Engine(engine.kb) as durable:
        for path in fixture_files():
            fx = load_fixture(path)
            durable.assess(fx.incident, fx.as_of)
            kept = [(r, sid) for _ckb, backend in durable._compiled.values()
                    for rulesets in backend.rulesets.values() for r in rulesets for sid in r._alive]
            assert kept and all(len(r._alive) <= 1 for r, _sid in kept), fx.id
            for r, sid in kept:
                assert (dre.get_facts(r.handle, sid), dre.get_events(r.handle, sid)) == \
                    ("[]", "[]"), (fx.id, r.name)
                assert json.loads(dre.get_state(r.handle, sid)) == \
                    {"sid": sid, "id": f"sid-{sid}", "$s": 1}, (fx.id, r.name)


def test_unknown_back_end_is_refused() -> None:
    with pytest.raises(ValueError, match="reference"):
        Engine(backend="clips")
