"""engine/literal.py: the one definition of what a fact test or a conclusion reference means.

Two kinds of check. Table and brute-force tests pin the three values of every operator and
polarity (a list test is T when it holds in every way the possible members could turn out, M when
in some, F in none). Then the same literals are compiled into rules and run by the engine: the
status of each single-literal rule must be the literal's value (T -> established, M ->
undetermined, F -> not established), which ties literal.py to what durable-rules matches.
"""
from __future__ import annotations

import datetime as _dt
import itertools
import sys
from pathlib import Path

import pytest

from engine.assess import Engine
from engine.conditions import Lit
from engine.facts import incident_facts
from engine.kbload import load_kb
from engine.literal import F, M, T, evaluate, value_of

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers  # noqa: E402

AS_OF = _dt.date(2024, 6, 3)
STATUS = {T: "established", M: "undetermined", F: "not_established"}


def facts(data: dict):
    return incident_facts(helpers.incident(data))


def fact_lit(name: str, op: str, value, positive: bool = True, kind: str = "enum") -> Lit:
    return Lit("fact", name, op, value, positive, kind)


# ---- scalar facts ----------------------------------------------------------------------------

@pytest.mark.parametrize("sector, op, value, positive, want", [
    ("private", "equals", "private", True, T),
    ("private", "equals", "public_body", True, F),
    ("private", "equals", "private", False, F),
    ("public_body", "equals", "private", False, T),
    ("unknown", "equals", "private", True, M),
    ("unknown", "equals", "private", False, M),
    ("private", "in", ["private", "public_body"], True, T),
    ("private", "in", ["public_body"], True, F),
    ("private", "in", ["public_body"], False, T),
    ("unknown", "in", ["public_body"], True, M),
])
def test_enum(sector, op, value, positive, want) -> None:
    got = evaluate(fact_lit("business.sector", op, value, positive), facts({"business": {"sector": sector}}))
    assert got.value == want
    assert [a["n"] for a in got.read] == ["business.sector"]
    assert bool(got.certain) == (want == T) and bool(got.possible) == (want != F)


def test_a_fact_left_out_is_unknown() -> None:
    assert value_of(fact_lit("business.role", "equals", "own"), facts({})) == M


@pytest.mark.parametrize("learned, op, value, positive, want", [
    ("2024-04-01", "on_or_after", "2024-04-01", True, T),
    ("2024-03-31", "on_or_after", "2024-04-01", True, F),
    ("2024-03-31", "before", "2024-04-01", True, T),
    ("2024-03-31", "before", "2024-04-01", False, F),
    ("2024-04-01", "before", "2024-04-01", False, T),
    ("2024-04-01", "equals", "2024-04-01", True, T),
])
def test_dates(learned, op, value, positive, want) -> None:
    got = value_of(fact_lit("dates.learned", op, value, positive, "date"),
                   facts({"dates": {"learned": learned}}))
    assert got == want


@pytest.mark.parametrize("number, op, value, want", [
    (1000, "greater_than", 1000, F), (1001, "greater_than", 1000, T), (1000, "at_least", 1000, T),
    (999, "at_least", 1000, F), (999, "less_than", 1000, T), (1000, "at_most", 1000, T),
    (1000, "equals", 1000, T), ("unknown", "greater_than", 1000, M),
])
def test_quantities(number, op, value, want) -> None:
    got = value_of(fact_lit("affected.number", op, value, True, "quantity"),
                   facts({"affected": {"number": number}}))
    assert got == want


def test_a_series_reads_every_dated_point_and_says_which_held() -> None:
    fs = facts({"affected": {"number": {"history": [{"date": "2024-05-01", "count": 800},
                                                   {"date": "2024-05-10", "count": 1200},
                                                   {"date": "2024-05-20", "count": 1500}]}}})
    got = evaluate(fact_lit("affected.number_max", "greater_than", 1000, True, "series"), fs)
    assert got.value == T
    assert [a.get("on") for a in got.read] == ["2024-05-01", "2024-05-10", "2024-05-20"]
    assert [a["on"] for a in got.certain] == ["2024-05-10", "2024-05-20"]
    none = evaluate(fact_lit("affected.number_max", "greater_than", 5000, True, "series"), fs)
    assert none.value == F and not none.possible
    unknown = evaluate(fact_lit("affected.number_max", "greater_than", 1000, True, "series"), facts({}))
    assert unknown.value == M and unknown.read == ({"t": "u", "n": "affected.number_max"},)


def test_at_most_is_an_upper_bound_that_may_pass_a_threshold() -> None:
    fs = facts({"affected": {"number": {"at_most": 5000}}})
    assert value_of(fact_lit("affected.number_max", "greater_than", 1000, True, "series"), fs) == T
    assert value_of(fact_lit("affected.number", "greater_than", 1000, True, "quantity"), fs) == M


@pytest.mark.parametrize("data, positive, want", [
    ({"business": {"sector": "private"}}, True, T), ({"business": {"sector": "private"}}, False, F),
    ({"business": {"sector": "unknown"}}, True, F), ({}, False, T),
])
def test_is_known_is_never_uncertain(data, positive, want) -> None:
    assert value_of(fact_lit("business.sector", "is_known", True, positive), facts(data)) == want


# ---- lists: brute force over every way the possible members could turn out -------------------

ITEMS = ["name", "address", "medical_history"]
CASES = [([], []), (["name"], []), (["address"], []), (["name", "medical_history"], []),
         (["name"], ["medical_history"]), (["address"], ["name", "medical_history"]),
         ([], ["name"]), (["name", "address", "medical_history"], [])]
SETS = [["name"], ["name", "medical_history"], ["address", "medical_history"]]


def _worlds(op: str, values: list, positive: bool, confirmed: list, extra: list) -> str:
    outcomes = set()
    for mask in itertools.product([0, 1], repeat=len(extra)):
        items = set(confirmed) | {x for x, on in zip(extra, mask) if on}
        held = {"includes_any": bool(items & set(values)), "includes_all": set(values) <= items,
                "includes_only": items <= set(values)}[op]
        outcomes.add(held == positive)
    return T if outcomes == {True} else (F if outcomes == {False} else M)


@pytest.mark.parametrize("op", ["includes_any", "includes_all", "includes_only"])
@pytest.mark.parametrize("positive", [True, False])
def test_list_tests_against_every_completion(op: str, positive: bool) -> None:
    for (confirmed, extra), values in itertools.product(CASES, SETS):
        fs = facts({"data": {"items": confirmed, **({"items_possible": extra} if extra else {})}})
        got = value_of(fact_lit("data.items", op, values, positive, "set"), fs)
        assert got == _worlds(op, values, positive, confirmed, extra), (op, positive, confirmed, extra, values)
    unknown = facts({"data": {"items": "unknown"}})
    assert value_of(fact_lit("data.items", op, ["name"], positive, "set"), unknown) == M


# ---- conclusions -----------------------------------------------------------------------------

@pytest.mark.parametrize("levels, positive, want", [
    ({"x": "T"}, True, T), ({"x": "M"}, True, M), ({"x": "F"}, True, F), ({}, True, F),
    ({"x": "T"}, False, F), ({"x": "M"}, False, M), ({"x": "F"}, False, T), ({}, False, T),
    ({"x": {"T", "M"}}, True, T), ({"x": ["M"]}, True, M),
])
def test_conclusion_levels(levels, positive, want) -> None:
    got = evaluate(Lit("concl", "x", None, None, positive), facts({}), levels)
    assert got.value == want
    assert all(a["t"] == "c" and a["c"] == "x" for a in got.read)


def test_both_levels_of_one_conclusion_are_read() -> None:
    got = evaluate(Lit("concl", "x", None, None, True), facts({}), {"x": {"T", "M"}})
    assert [a["l"] for a in got.certain] == ["T"] and [a["l"] for a in got.possible] == ["M", "T"]


# ---- the engine agrees: one single-literal rule per test, run through durable-rules ---------

ENGINE_TESTS = [
    ("business.sector", "equals", "private"), ("business.sector", "in", ["private", "public_body"]),
    ("business.supervision_delegated", "equals", True), ("dates.learned", "before", "2024-04-01"),
    ("dates.learned", "on_or_after", "2024-04-01"), ("affected.number", "greater_than", 1000),
    ("affected.number", "at_most", 1000), ("affected.number_max", "greater_than", 1000),
    ("data.items", "includes_any", ["name", "medical_history"]),
    ("data.items", "includes_all", ["name", "address"]),
    ("data.items", "includes_only", ["name", "address"]), ("data.items", "is_known", True),
    ("event.kinds", "includes", "leak"),
]
ENGINE_INCIDENTS = [
    {}, {"business": {"sector": "private", "supervision_delegated": True},
         "dates": {"learned": "2024-04-01"}, "affected": {"number": 1001},
         "data": {"items": ["name", "address"]}, "event": {"kinds": ["leak"]}},
    {"business": {"sector": "public_body", "supervision_delegated": False},
     "dates": {"learned": "2024-03-31"}, "affected": {"number": {"at_most": 5000}},
     "data": {"items": ["name"], "items_possible": ["medical_history"]},
     "event": {"kinds": ["loss", "damage"]}},
    {"business": {"sector": "unknown"}, "affected": {"number": {"history": [
        {"date": "2024-05-01", "count": 10}, {"date": "2024-05-02", "at_most": 2000}]}},
     "data": {"items": ["address", "medical_history"]}, "event": {"kinds": "unknown"}},
]


def test_the_engine_matches_exactly_what_literal_says(tmp_path: Path) -> None:
    from engine.conditions import normalise
    from engine.vocabulary import vocabulary
    rules, lits = [], {}
    for i, (name, op, value) in enumerate(ENGINE_TESTS):
        for positive in (True, False):
            if name == "affected.number_max" and not positive:
                continue                       # a series cannot be negated
            code = f"test.l{i}-{'p' if positive else 'n'}"
            when = {"fact": name, op: value}
            when = when if positive else {"not": when}
            rules.append(helpers.rule(code, when, code))
            lits[code] = normalise(when, (), vocabulary(), None, None)
    engine = Engine(load_kb(helpers.new_kb(tmp_path, {"t.yaml": helpers.rule_file("unit-t", rules)})))
    for data in ENGINE_INCIDENTS:
        doc = helpers.incident(data)
        got = {c["code"]: c["status"] for c in engine.assess(doc, AS_OF)["conclusions"]}
        fs = incident_facts(doc)
        for code, lit in lits.items():
            assert got[code] == STATUS[value_of(lit, fs)], (code, data)
