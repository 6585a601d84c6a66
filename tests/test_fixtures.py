"""The fixture regression: every documented example of the seed deck, one pytest item each.

Each fixture asserts the conclusions *and* the rules and clauses behind them, so a fixture fails
when the answer changes and also when the answer stays the same for a different reason.
"""
from __future__ import annotations

import re

import pytest

from engine.assess import Engine
from engine.fixtures import load_fixtures, run_fixture

FIXTURES = load_fixtures()


@pytest.mark.parametrize("fx", FIXTURES, ids=[fx.id for fx in FIXTURES])
def test_fixture(fx, engine: Engine) -> None:
    result = run_fixture(engine, fx)
    assert result.passed, f"{fx.file}:\n  " + "\n  ".join(result.failures)


def test_every_fixture_names_its_source() -> None:
    """A seed-deck fixture names its example; any other names the kind of source it comes from."""
    assert FIXTURES, "no fixtures found"
    for fx in FIXTURES:
        if fx.source_type == "seed_example":
            assert re.fullmatch(r"SE-\d{2}", fx.seed_example or ""), fx.file
        else:
            assert fx.seed_example is None and fx.source_type in (
                "statute", "cabinet_order", "regulation", "guideline", "qa", "case", "amendment",
                "scenario"), fx.file


def test_fixture_checks_have_teeth(engine: Engine) -> None:
    """A fixture whose expectation is flipped must fail: the runner really compares."""
    fx = next(f for f in FIXTURES if f.expect.get("conclusions"))
    code, status = next(iter(fx.expect["conclusions"].items()))
    flipped = "not_established" if status != "not_established" else "established"
    fx2 = type(fx)(**{**fx.__dict__, "expect": {"conclusions": {code: flipped}}})
    assert not run_fixture(engine, fx2).passed
