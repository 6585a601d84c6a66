"""Coverage counts parameter versions: each one exercised by fixtures assessed while it is in force,
on both sides of every comparison with it (issue 8 item 7)."""
from __future__ import annotations

import shutil

from engine.assess import Engine
from engine.coverage import coverage
from engine.fixtures import load_fixtures, run_fixture
from engine.kbload import load_kb
from engine.paths import RULES_DIR


def _cov(kb, fixtures):
    engine = Engine(kb)
    try:
        return coverage(kb, fixtures, [run_fixture(engine, fx) for fx in fixtures])
    finally:
        engine.close()


def _entry(rep, ref):
    return next(p for p in rep.parameters if p["ref"] == ref)


def test_every_parameter_version_of_the_kb_is_exercised():
    rep = _cov(load_kb(), load_fixtures())
    assert rep.summary()["parameter_versions"] == sum(len(p.versions) for p in load_kb().parameters.values())
    threshold = _entry(rep, "reg7.item4.threshold#1")
    assert threshold["compared_by"] == ["gl.3-5-3-1.item4.own-count@1", "reg7.item4@1"]
    assert "se-22-misconfiguration-over-1000" in threshold["holds"]
    assert "se-20-exactly-1000" in threshold["fails"]            # 1,000 is not more than 1,000
    prison = [_entry(rep, "act178.prison#1"), _entry(rep, "act178.prison#2")]
    assert all(p["fires"] and p["exercised"] for p in prison)   # the 懲役 era and the 拘禁刑 era
    assert not [p for p in rep.problems if "parameter" in p]


def test_one_side_of_a_threshold_is_a_gap():
    kb = load_kb()
    over = [fx for fx in load_fixtures() if fx.id == "se-22-misconfiguration-over-1000"]
    rep = _cov(kb, over)
    entry = _entry(rep, "reg7.item4.threshold#1")
    assert entry["holds"] == ["se-22-misconfiguration-over-1000"] and entry["fails"] == []
    assert not entry["exercised"]
    assert any("parameter reg7.item4.threshold#1" in p and "where the test against it fails" in p
               for p in rep.problems)


def test_a_new_parameter_version_no_fixture_reaches_is_a_gap(tmp_path):
    """Issue 8: a 500 threshold from 2027-04-01 left coverage at 0 gaps, every fixture being
    pinned to its own date. The new version is now a gap until fixtures of its era exist."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    path = rules / "regulation" / "appi-rules" / "art07.yaml"
    text = path.read_text(encoding="utf-8")
    head, tail = text.split("- id: reg7.item4.threshold", 1)
    start = tail.index("      - valid_from: 2022-04-01\n")
    block = tail[start:tail.index("\nrules:")].rstrip("\n") + "\n"
    second = block.replace("valid_from: 2022-04-01", "valid_from: 2027-04-01").replace("value: 1000", "value: 500")
    first = block.replace("valid_from: 2022-04-01\n", "valid_from: 2022-04-01\n        valid_to: 2027-03-31\n", 1)
    path.write_text(head + "- id: reg7.item4.threshold" + tail.replace(block, first + second, 1),
                    encoding="utf-8")
    kb = load_kb(rules)
    fixtures = [fx for fx in load_fixtures() if fx.id in ("se-22-misconfiguration-over-1000",
                                                          "se-20-exactly-1000")]
    rep = _cov(kb, fixtures)
    assert _entry(rep, "reg7.item4.threshold#1")["exercised"]
    new = _entry(rep, "reg7.item4.threshold#2")
    assert new["valid_from"] == "2027-04-01" and not new["exercised"]
    gaps = [p for p in rep.problems if "reg7.item4.threshold#2" in p]
    assert len(gaps) == 2 and all(p.startswith("regulation/appi-rules/art07.yaml:") or
                                  "art07.yaml:" in p for p in gaps)


def test_the_coverage_report_shows_parameter_versions(run):
    r = run("coverage", "--lang", "en")
    assert "■ Parameter versions: " in r.stdout
    assert "reg7.item4.threshold#1" in r.stdout
