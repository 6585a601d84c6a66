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
    # each durable rule set reuses one session id across assessments (engine/session.py): if
    # anything of one incident stayed behind under it, the next one would be joined with it.
    # Every fixture, in shuffled order on a new engine, so each follows another, must still give
    # the reference evaluator's bytes (which keeps no state)
    import random
    fxs = [load_fixture(path) for path in fixture_files()]
    want = {fx.id: _bytes(reference.assess(fx.incident, fx.as_of)) for fx in fxs}
    random.Random(6).shuffle(fxs)
    with Engine(engine.kb) as durable:
        for before, fx in zip([None] + fxs, fxs):
            assert _bytes(durable.assess(fx.incident, fx.as_of)) == want[fx.id], \
                (fx.id, "after", before and before.id)


def test_no_session_outlives_its_run_and_nothing_is_retracted(engine, monkeypatch) -> None:
    # durable-rules 2.0.28 corrupts memory when a fact held by a dispatched action frame is
    # retracted (deleteMessageFromFrame walks past the frame's message slots; valgrind counted
    # thousands of errors there, benchmarks/memcheck.py, and the suite segfaulted
    # once in four runs). So each run is one session, deleted whole: after every fixture no
    # ruleset holds a session, durable no longer knows its id, and no retract was ever called
    import durable_rules_engine as dre
    import engine.session as session

    called: list[str] = []
    sessions: set[tuple[int, str]] = set()     # (ruleset handle, session id) ever asserted into

    class Recording:
        def __getattr__(self, name):
            real = getattr(dre, name)
            if not callable(real):
                return real

            def call(*args, **kwargs):
                called.append(name)
                if name == "assert_facts":
                    handle, payload = args
                    sessions.update((handle, f["sid"]) for f in json.loads(payload))
                return real(*args, **kwargs)
            return call

    monkeypatch.setattr(session, "_dre", Recording())
    with Engine(engine.kb) as durable:
        for path in fixture_files():
            fx = load_fixture(path)
            durable.assess(fx.incident, fx.as_of)
            rulesets = [r for _ckb, backend in durable._compiled.values()
                        for rulesets in backend.rulesets.values() for r in rulesets]
            assert rulesets and not [r.name for r in rulesets if r._alive], fx.id
            # every session any run has had, under whatever id: durable no longer knows it
            for handle, sid in sessions:
                with pytest.raises(Exception, match="error code: 309"):
                    dre.get_state(handle, sid)
    assert sessions and "delete_state" in called
    assert not [name for name in called if name.startswith("retract")]


def test_unknown_back_end_is_refused() -> None:
    with pytest.raises(ValueError, match="reference"):
        Engine(backend="clips")
