"""What an editor sees on every run: `test` reports every fixture even when some are malformed,
`validate --quiet` keeps to the errors, `mutate` shows progress and can be limited to one rule."""
from __future__ import annotations

import re

from conftest import DATA

# how `test` names the knowledge base it used (the version moves with each release)
from engine.paths import RULES_DIR  # noqa: E402
from engine.yamlio import load_yaml  # noqa: E402

KB_LINE = f"knowledge base: appi-kb {load_yaml(RULES_DIR / 'kb.yaml').data['kb']['version']} (rules)"

MIXED = DATA / "fixtures" / "mixed"


# ---- test: one malformed fixture does not hide the others ---------------------------------------
def test_test_reports_every_fixture_when_some_are_malformed(run):
    r = run("test", MIXED)
    lines = r.stdout.splitlines()
    # the good ones ran, in file order, and each malformed file has its own line with file:line
    assert "PASS cli-mixed-good" in lines
    assert "PASS cli-mixed-good-2" in lines
    errors = [ln for ln in lines if ln.startswith("ERROR ")]
    assert [e.split()[1] for e in errors] == [
        "tests/data/fixtures/mixed/b-malformed-yaml.yaml",
        "tests/data/fixtures/mixed/c-bad-status.yaml",
        "tests/data/fixtures/mixed/e-duplicate-id.yaml"]
    # what is wrong with each is on stderr, one line per problem, file:line first
    problems = r.stderr.splitlines()
    assert len(problems) == 3, problems
    # (the line where its unclosed { was opened)
    assert problems[0].startswith("tests/data/fixtures/mixed/b-malformed-yaml.yaml:4: ")
    assert problems[1].startswith("tests/data/fixtures/mixed/c-bad-status.yaml:9: ") \
        and "yes_please" in problems[1]
    assert problems[2].startswith("tests/data/fixtures/mixed/e-duplicate-id.yaml:3: fixture id "
                                  "'cli-mixed-good' is also used by tests/data/fixtures/mixed/a-good.yaml")
    # the closing line stays the plain "N passed, N failed"; malformed files count as failed
    assert lines[-1] == "2 passed, 3 failed"
    assert r.code == 2          # bad input outranks failed expectations


def test_test_with_only_good_fixtures_is_unchanged(run):
    r = run("test", MIXED / "a-good.yaml", MIXED / "d-good.yaml")
    assert r.code == 0
    assert r.stdout.splitlines() == ["PASS cli-mixed-good", "PASS cli-mixed-good-2",
                                     KB_LINE, "2 passed, 0 failed"]


# ---- validate --quiet ------------------------------------------------------------------------
def test_validate_quiet_prints_no_warnings_but_still_counts_them(run):
    loud, quiet = run("validate"), run("validate", "--quiet")
    assert loud.code == quiet.code == 0
    assert any(ln.startswith("warning: ") for ln in loud.stderr.splitlines())
    assert quiet.stderr == ""
    assert quiet.stdout == loud.stdout          # the verdict line still gives the number of warnings
    assert re.search(r"[1-9]\d* warning\(s\)", quiet.stdout)


def test_validate_quiet_still_prints_errors(run):
    r = run("validate", "-q", DATA / "fixtures" / "bad" / "unknown-names.yaml")
    assert r.code == 2
    assert "expect.conclusions: unknown conclusion code 'report_dutty'" in r.stderr
    assert "warning:" not in r.stderr


# ---- mutate ------------------------------------------------------------------------------------
def test_mutate_one_rule_with_progress(run):
    r = run("mutate", "--rule", "reg7.item4", "--format", "json")
    assert r.code == 0, r.stdout + r.stderr
    import json
    data = json.loads(r.stdout)
    assert sorted(d["mutant"] for d in data) == ["never:reg7.item4@1"]
    assert data[0]["killed_by"]
    progress = [ln for ln in r.stderr.splitlines() if ln.startswith("[")]
    assert progress == [f"[1/1] never:reg7.item4@1 killed by {data[0]['killed_by']}"]


def test_mutate_a_parameter_by_id(run):
    r = run("mutate", "--rule", "reg7.item4.threshold")
    assert r.code == 0
    progress = [ln for ln in r.stderr.splitlines() if ln.startswith("[")]
    assert [p.split()[1] for p in progress] == ["param-1:reg7.item4.threshold#1",
                                                 "param+1:reg7.item4.threshold#1"]


def test_mutate_unknown_rule_is_bad_input(run):
    r = run("mutate", "--rule", "reg7.item44")
    assert r.code == 2 and r.stdout == ""
    assert r.stderr.startswith("--rule: unknown rule or parameter id 'reg7.item44' — did you mean")
