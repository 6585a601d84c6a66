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
        assert json.dumps(got, sort_keys=True, ensure_ascii=False) == \
            json.dumps(want, sort_keys=True, ensure_ascii=False), fx.id


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


def test_unknown_back_end_is_refused() -> None:
    with pytest.raises(ValueError, match="reference"):
        Engine(backend="clips")
