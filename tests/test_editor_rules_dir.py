"""--rules DIR / APPI_KB_RULES: every command runs with the knowledge base it is given and names
it (issue 8.1: an installed appi-kb in another checkout assessed with the first checkout's rules)."""
from __future__ import annotations

import json
import re

import pytest

import cli

from conftest import INCIDENTS
import kbedit

CARD = INCIDENTS / "card_leak.yaml"          # 500 people: below the 4号 threshold of 1,000
COMMANDS = ["assess", "explain", "validate", "test", "rules", "cite", "coverage", "mutate"]


@pytest.fixture(scope="module")
def other(tmp_path_factory):
    """Another checkout: its KB says 4号 starts above 400 people and calls itself 9.9.9."""
    project = tmp_path_factory.mktemp("other-checkout")
    rules = kbedit.copy_project(project)
    (rules / "kb.lock.json").unlink(missing_ok=True)      # another KB, never released
    kbedit.edit_param(rules, "reg7.item4.threshold",
                      lambda p: p["versions"][-1].__setitem__("value", 400))
    kbedit.set_kb_version(rules, "9.9.9")
    return project


def _item4(out: str) -> str:
    return next(c["status"] for c in json.loads(out)["conclusions"] if c["code"] == "reg7.item4")


def test_default_is_the_kb_beside_the_code_and_the_output_names_it(run, engine):
    r = run("assess", CARD, "--format", "json")
    assert r.code == 0, r.stderr
    receipt = json.loads(r.stdout)["receipt"]
    assert (receipt["kb_version"], receipt["kb_dir"]) == (engine.kb.version, "rules")
    assert _item4(r.stdout) == "not_established"


@pytest.mark.parametrize("how", ["rules-folder", "project-folder", "before-the-command", "env"])
def test_another_kb_is_used_and_named(run, other, how, monkeypatch):
    args = ["assess", CARD, "--format", "json"]
    if how == "rules-folder":
        args += ["--rules", other / "rules"]
    elif how == "project-folder":
        args += ["--rules", other]
    elif how == "before-the-command":
        args = ["--rules", other / "rules"] + args
    else:
        monkeypatch.setenv("APPI_KB_RULES", str(other / "rules"))
    r = run(*args)
    assert r.code == 0, r.stderr
    receipt = json.loads(r.stdout)["receipt"]
    assert receipt["kb_version"] == "9.9.9"
    assert receipt["kb_dir"] == (other / "rules").resolve().as_posix()
    assert _item4(r.stdout) == "established"          # the other KB's threshold, not ours


def test_the_option_wins_over_the_environment(run, other, monkeypatch, tmp_path):
    monkeypatch.setenv("APPI_KB_RULES", str(tmp_path / "nowhere"))
    r = run("assess", CARD, "--format", "json", "--rules", other)
    assert r.code == 0, r.stderr
    assert json.loads(r.stdout)["receipt"]["kb_version"] == "9.9.9"


def test_text_output_names_the_kb(run, other):
    r = run("assess", CARD, "--rules", other, "--lang", "en")
    assert r.code == 0, r.stderr
    assert f"Knowledge base: appi-kb 9.9.9 ({(other / 'rules').resolve().as_posix()})" in r.stdout


@pytest.mark.parametrize("command", sorted(set(COMMANDS) | set(cli.main.commands)))
def test_every_command_takes_rules(run, command):
    # a new command gets it with the @RULES decorator of cli.py (and must name the KB it used)
    r = run(command, "--help")
    assert "--rules DIR" in r.stdout and "APPI_KB_RULES" in r.stdout


def test_no_kb_there_is_one_clear_error(run, tmp_path):
    r = run("assess", CARD, "--rules", tmp_path)
    assert r.code == 2 and r.stdout == ""
    assert r.stderr == (f"--rules: no knowledge base at '{tmp_path}' (no kb.yaml there) — give the "
                        "rules folder that holds kb.yaml, or the project folder above it\n")


def test_no_kb_in_the_environment_names_the_variable(run, tmp_path, monkeypatch):
    monkeypatch.setenv("APPI_KB_RULES", str(tmp_path))
    r = run("rules")
    assert r.code == 2 and r.stderr.startswith("APPI_KB_RULES: no knowledge base at ")


def test_validate_test_rules_and_explain_use_and_name_the_other_kb(run, other):
    label = f"appi-kb 9.9.9 ({(other / 'rules').resolve().as_posix()})"
    r = run("validate", "--rules", other)
    assert r.code == 0, r.stderr[-2000:]
    assert f"; knowledge base {label}: 0 error(s)" in r.stdout
    # the fixtures beside the other KB: the 4号 fixtures pinned to 1,000 now fail there
    r = run("test", "--rules", other)
    assert r.code == 1
    assert f"knowledge base: {label}" in r.stdout.splitlines()
    failed = re.findall(r"^FAIL (\S+)", r.stdout, re.M)
    assert failed and all(f"FAIL {f}" in r.stdout for f in failed)
    r = run("rules", "--rules", other, "--lang", "en")
    assert r.stdout.startswith(f"Knowledge base: {label}\n")
    r = run("explain", CARD, "reg7.item4", "--rules", other, "--lang", "en")
    assert r.code == 0, r.stderr
    assert label in r.stdout


def test_fixtures_beside_the_kb_are_the_default(run, tmp_path):
    project = tmp_path / "p"
    rules = kbedit.copy_project(project, fixtures=False)
    (project / "fixtures").mkdir()
    (project / "fixtures" / "one.yaml").write_text(
        (INCIDENTS.parent / "fixtures" / "pass" / "card-leak.yaml").read_text(encoding="utf-8"),
        encoding="utf-8")
    r = run("test", "--rules", rules)
    assert r.code == 0, r.stdout
    assert r.stdout.splitlines()[-1] == "1 passed, 0 failed"
