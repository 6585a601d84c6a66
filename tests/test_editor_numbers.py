"""Explanations with numbers (issue 8.5): parameters with their value, version and citation in
the JSON trace and in `explain`; the deadline arithmetic step by step; `explain` on a fixture;
`--codes`; `rules` and `cite` know parameters.

Friction points: `explain … reg7.item4` showed the count but not the threshold, its parameter
version or citation; `explain … report.final` showed no start day, count, skipped holidays or
counting convention; `rules reg7.item4.threshold` said "unknown rule id"; the text output showed
no conclusion codes; `explain` refused a fixture file."""
from __future__ import annotations

import json
import re

from conftest import INCIDENTS, ROOT

CARD = INCIDENTS / "card_leak.yaml"
FIXTURES = ROOT / "fixtures"


def _concl(a: dict, code: str) -> dict:
    return next(c for c in a["conclusions"] if c["code"] == code)


def test_json_trace_carries_the_threshold_its_version_and_citation(assess, engine):
    a = assess("card_leak")
    assert any(r["id"] == "reg7.item4" for r in _concl(a, "reg7.item4")["rules"])
    (p,) = a["rules"]["reg7.item4"]["parameters"]      # the rules table: each rule's details once
    threshold = engine.kb.parameters["reg7.item4.threshold"]
    in_force = threshold.version_on(__import__("datetime").date(2024, 4, 1))
    assert p["id"] == "reg7.item4.threshold" and p["value"] == in_force.value
    assert re.fullmatch(r"reg7\.item4\.threshold#\d+", p["version"])
    assert p["tests"] == [{"fact": "affected.number_max", "test": "greater_than", "negated": False}]
    assert [c["key"] for c in p["citations"]] == [c.key for c in in_force.citations]


def test_explain_shows_the_threshold(run, engine):
    r = run("explain", CARD, "reg7.item4", "--lang", "en")
    assert r.code == 0, r.stderr
    value = engine.kb.parameters["reg7.item4.threshold"].versions[0].value
    assert re.search(rf"Parameter reg7\.item4\.threshold#1 .* = {value:,} 人 \(2022-04-01\.\.[^;]*; "
                     r"compared with affected\.number_max greater_than\)", r.stdout), r.stdout
    after = r.stdout[r.stdout.index("Parameter reg7.item4.threshold#1"):]
    assert after.splitlines()[1].strip().startswith("quote 規則7条4号 [")


def _deadline_fixture():
    """A fixture whose final-report deadline rolls past a holiday or weekend."""
    from engine.fixtures import fixture_files, load_fixture
    for path in fixture_files([FIXTURES]):
        fx = load_fixture(path)
        if "report.final" in fx.expect.get("deadlines", {}):
            yield path, fx


def test_the_deadline_arithmetic_step_by_step(engine, run):
    from engine.fixtures import run_fixture
    rolled = None
    for path, fx in _deadline_fixture():
        a = run_fixture(engine, fx).assessment
        d = _concl(a, "report.final")["deadline"]
        if d.get("skipped"):
            rolled = (path, d)
            break
    assert rolled, "no fixture's final report rolls past a non-working day"
    path, d = rolled
    steps = d["steps"]
    assert [s["step"] for s in steps][:3] == ["start", "day_one", "count"]
    assert steps[0]["date"] == d["start"] and steps[-1] == {"step": "due", "date": d["due"]}
    assert [(s["date"], s["reason"]) for s in steps if s["step"] == "skip"] == \
        [(s["date"], s["reason"]) for s in d["skipped"]]
    assert {p["role"] for p in d["parameters"]} == {"days", "convention"}
    assert next(p for p in d["parameters"] if p["role"] == "days")["value"] == d["days"]
    # explain accepts the fixture itself, on its own date, and prints the same steps
    r = run("explain", path, "report.final")
    assert r.code == 0, r.stderr
    from engine.numbers import source_text
    assert d["start_source"].get("fact") or d["start_source"].get("since")
    assert f"起算日 {d['start']}（{source_text(d['start_source'])}）" in r.stdout
    assert f"{d['days']}日目 = {d['nominal']}" in r.stdout
    for s in d["skipped"]:
        assert re.search(rf"{s['date']} は.+のため翌日へ", r.stdout)
    assert f"期限 = {d['due']}" in r.stdout
    assert "パラメータ gl.3-5-3-4.day-counting#1" in r.stdout


def test_explain_accepts_a_fixture_on_its_own_date(run):
    path = FIXTURES / "se-05-card-number-only.yaml"
    from engine.fixtures import load_fixture
    fx = load_fixture(path)
    r = run("explain", path)
    assert r.code == 0, r.stderr
    day = (fx.as_of.isoformat() if fx.as_of else fx.incident.data["dates"]["learned"])
    assert f"判定基準日：{day}" in r.stdout


def test_codes_beside_the_labels(run):
    plain = run("assess", CARD)
    coded = run("assess", CARD, "--codes")
    assert coded.code == 0
    assert "[report_duty]" not in plain.stdout
    assert "個人情報保護委員会への報告義務 [report_duty]：あり" in coded.stdout
    assert re.search(r"確報.* \[report\.final\]：", coded.stdout)
    # the code is the one explain takes
    assert run("explain", CARD, "report.final").code == 0
    # json is unchanged: the code is a field there
    assert json.loads(run("assess", CARD, "--codes", "--format", "json").stdout)["conclusions"][0]["label"] \
        == json.loads(run("assess", CARD, "--format", "json").stdout)["conclusions"][0]["label"]


def test_rules_shows_a_parameter(run):
    r = run("rules", "reg7.item4.threshold", "--lang", "en")
    assert r.code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("reg7.item4.threshold — ")
    assert "Rules that read it: gl.3-5-3-1.item4.own-count@1, reg7.item4@1" in r.stdout
    assert re.search(r"^■ reg7\.item4\.threshold#1 ", r.stdout, re.M)
    assert "  Value: 1,000 人" in lines
    assert "    ● 規則7条4号 [" in r.stdout


def test_rules_lists_parameters_and_suggests_them(run):
    r = run("rules")
    assert re.search(r"^  reg7\.item4\.threshold +param +#1 2022-04-01\.\. = 1,000 人", r.stdout, re.M)
    r = run("rules", "reg7.item4.treshold")
    assert r.code == 2 and "did you mean 'reg7.item4.threshold'?" in r.stderr


def test_cite_knows_parameters(run):
    r = run("cite", "reg7.item4.threshold", "--format", "json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    (entry,) = doc["citations"]
    assert entry["rule"] == "param:reg7.item4.threshold" and entry["value"] == 1000
    assert entry["read_by"] == ["gl.3-5-3-1.item4.own-count@1", "reg7.item4@1"] and entry["fixtures"]
    by_clause = json.loads(run("cite", "規則7条4号", "--format", "json").stdout)
    param = next(e for e in by_clause["citations"] if e["rule"] == "param:reg7.item4.threshold")
    assert param["fixtures"] == entry["fixtures"]
