"""What an engine remembers between assessments changes nothing it answers.

The resolver remembers, per compiled KB and day, what each firing's atoms say (engine/resolve.py);
the receipt remembers where the KB's folder is seen from the working directory
(engine/receipt.py). Both must stay bounded and never serve an answer that differs from a fresh
computation.
"""
from __future__ import annotations

import os
from pathlib import Path

import engine.resolve as resolve
from engine.assess import Engine
from engine.fixtures import fixture_files, load_fixture
from engine.jsonfast import compact_bytes
from engine.paths import FIXTURES_DIR, PROJECT_ROOT

import pytest

FIXTURES = [load_fixture(p) for p in fixture_files([FIXTURES_DIR])][::10]


@pytest.fixture(scope="module")
def kb(engine):
    return engine.kb


def _content(engine: Engine) -> list[bytes]:
    return [compact_bytes({k: v for k, v in engine.assess(fx.incident, fx.as_of).items()
                           if k != "receipt"}) for fx in FIXTURES]


def test_the_firing_memo_stays_bounded_and_a_cleared_memo_answers_the_same(kb, monkeypatch):
    with Engine(kb) as plain:
        expected = _content(plain)
    monkeypatch.setattr(resolve, "_MEMO_LIMIT", 3)
    with Engine(kb) as small:
        sizes = []
        got = []
        for fx in FIXTURES:
            got.append(compact_bytes({k: v for k, v in small.assess(fx.incident, fx.as_of).items()
                                      if k != "receipt"}))
            sizes += [len(s.firing_memo) for s in small._static.values()]
        assert got == expected
        assert max(sizes) <= 4                       # cleared when it passes the limit
        assert any(size > 0 for size in sizes)       # and used at all


def test_the_kb_folder_follows_the_working_directory(kb, tmp_path: Path):
    fx = FIXTURES[0]
    with Engine(kb) as engine:
        here = os.getcwd()
        try:
            os.chdir(PROJECT_ROOT)
            inside = engine.assess(fx.incident, fx.as_of)["receipt"]["kb_dir"]
            os.chdir(tmp_path)
            outside = engine.assess(fx.incident, fx.as_of)["receipt"]["kb_dir"]
            os.chdir(PROJECT_ROOT)
            again = engine.assess(fx.incident, fx.as_of)["receipt"]["kb_dir"]
        finally:
            os.chdir(here)
    assert inside == again == os.path.relpath(kb.root, PROJECT_ROOT)
    assert outside == Path(kb.root).resolve().as_posix()


def test_rule_and_parameter_versions_by_stretch_equal_those_of_each_day(kb):
    # Engine._key_on remembers the versions in force per stretch between two dates on which a
    # version starts or ends; every day, and each day either side of every such date, must get
    # exactly what computing it for that day gives. One rule is made to end on a day no other
    # version starts (a repeal), the case where the day after the end is a boundary of its own.
    import copy
    import datetime as dt
    kb = copy.deepcopy(kb)
    last = kb.rules[sorted(kb.rules)[0]].versions[-1]
    last.valid_to = dt.date(2025, 6, 30)
    edges = {v.valid_from for r in kb.rules.values() for v in r.versions}
    edges |= {v.valid_to for r in kb.rules.values() for v in r.versions if v.valid_to}
    edges |= {v.valid_from for p in kb.parameters.values() for v in p.versions}
    edges |= {v.valid_to for p in kb.parameters.values() for v in p.versions if v.valid_to}
    days = {e + dt.timedelta(days=k) for e in edges for k in (-1, 0, 1)}
    days |= {dt.date(2021, 1, 1) + dt.timedelta(days=k) for k in range(0, 6 * 365, 7)}
    with Engine(kb) as engine:
        for day in sorted(days, reverse=True):          # any order of asking
            refs = tuple(sorted(v.ref for r in kb.rules.values()
                                for v in [r.version_on(day)] if v is not None))
            params = tuple(sorted((p.id, i) for p in kb.parameters.values()
                                  for i, pv in enumerate(p.versions) if pv.valid_from <= day
                                  and (pv.valid_to is None or day <= pv.valid_to)))
            assert engine._key_on(day) == (refs, params), day
    assert len(edges) > 3                                 # the KB has dated versions at all


def test_a_memo_table_is_emptied_when_it_passes_its_limit():
    from engine.memo import keep
    table: dict = {}
    sizes = [len(table) for i in range(20) if keep(table, i, i * i, 5) == i * i]
    assert max(sizes) == 6 and table == {18: 324, 19: 361}   # emptied at 6 entries, then refilled
