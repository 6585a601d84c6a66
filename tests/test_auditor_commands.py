"""cite, coverage and mutate: the auditor's commands, through the CLI and the engine modules."""
from __future__ import annotations

import json

from click.testing import CliRunner

import cli
from engine import mutate
from engine.assess import Engine
from engine.coverage import coverage, fixture_hits
from engine.fixtures import load_fixtures, run_fixture
from engine.kbload import load_kb

RUNNER = CliRunner()


def run(*args):
    return RUNNER.invoke(cli.main, list(args), catch_exceptions=False)


# ---- cite -----------------------------------------------------------------------------------------
def test_cite_reads_clause_names_leniently():
    for spelling in ("規則7条2号", "規則７条２号", "第7条2号", "７条２号"):
        r = run("cite", spelling, "--format", "json")
        assert r.exit_code == 0, (spelling, r.output)
        data = json.loads(r.output)
        assert data["clauses"] == ["規則7条2号"], spelling
        assert [c["rule"] for c in data["citations"]] == ["reg7.item2"]
    r = run("cite", "第26条1項但書", "--format", "json")
    assert json.loads(r.output)["clauses"] == ["法26条1項ただし書"]


def test_cite_shows_quote_status_and_the_fixtures_where_the_rule_fires():
    r = run("cite", "Q6-12")
    assert r.exit_code == 0
    assert "クレジットカード番号のみが漏えいした" in r.output
    assert "official" in r.output
    assert "se-05-card-number-only" in r.output


def test_cite_an_article_finds_its_items():
    data = json.loads(run("cite", "規則7条", "--format", "json").output)
    assert {"規則7条1号", "規則7条2号", "規則7条3号", "規則7条4号"} <= set(data["clauses"])


def test_cite_unknown_clause_is_bad_input_with_suggestions():
    r = RUNNER.invoke(cli.main, ["cite", "規則7条5号"])
    assert r.exit_code == 2
    assert "CLAUSE: no rule cites '規則7条5号'" in r.output
    assert "規則7条4号" in r.output


# ---- coverage ---------------------------------------------------------------------------------------
def test_coverage_json_reports_every_example_and_exit_code_matches_gaps():
    r = run("coverage", "--format", "json")
    data = json.loads(r.output)
    assert data["summary"]["examples"] == 66
    assert [e["id"] for e in data["examples"]] == [f"SE-{i:02d}" for i in range(1, 67)]
    assert r.exit_code == (1 if data["problems"] else 0)


def test_coverage_finds_gaps_when_fixtures_are_missing():
    kb = load_kb()
    engine = Engine(kb)
    fixtures = [fx for fx in load_fixtures() if fx.seed_example == "SE-05"]
    rep = coverage(kb, fixtures, [run_fixture(engine, fx) for fx in fixtures])
    assert rep.summary()["examples_covered"] == 1
    assert any(p.startswith("SE-01 ") for p in rep.problems)
    assert any("reg7.item4@1 fires in no fixture" in p for p in rep.problems)
    hits = fixture_hits([run_fixture(engine, fx) for fx in fixtures])
    assert "se-05-card-number-only" in hits["qa.q6-12.card-number@1"]


# ---- mutate -------------------------------------------------------------------------------------------
def _four_fixtures():
    return [fx for fx in load_fixtures() if fx.seed_example in ("SE-20", "SE-22")]


def test_mutants_of_item4_are_killed_by_the_count_fixtures():
    kb = load_kb()
    wanted = {"never:reg7.item4@1", "param+1:reg7.item4.threshold#1", "param-1:reg7.item4.threshold#1"}
    outs = mutate.run(kb, _four_fixtures(), select=wanted.__contains__)
    assert {o.mutant.id for o in outs} == wanted
    assert all(o.killed_by and not o.killed_by.startswith("compile") for o in outs), \
        [(o.mutant.id, o.killed_by) for o in outs]


def test_a_mutant_survives_when_no_fixture_checks_the_rule():
    kb = load_kb()
    outs = mutate.run(kb, _four_fixtures(), select={"never:qa.q6-12.card-number@1"}.__contains__)
    assert len(outs) == 1 and outs[0].killed_by is None
