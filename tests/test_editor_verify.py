"""Receipts that reproduce (issue 8.4): the receipt names the input, the KB (files, lock), the
versions applied and every package the result depends on; `appi-kb verify` re-runs and says
identical, or what differs and why — from a fresh clone too."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from conftest import INCIDENTS, ROOT
import kbedit

CARD = INCIDENTS / "card_leak.yaml"


def _receipt_file(run, tmp_path, *args) -> tuple[dict, object]:
    r = run("assess", CARD, "--format", "json", *args)
    assert r.code == 0, r.stderr
    path = tmp_path / "assessment.json"
    path.write_text(r.stdout, encoding="utf-8")
    return json.loads(r.stdout), path


def test_the_receipt_names_everything_the_result_depends_on(run, tmp_path, engine):
    a, _ = _receipt_file(run, tmp_path)
    r = a["receipt"]
    assert len(r["input_sha256"]) == len(r["output_sha256"]) == 64
    assert set(r["files"]) == set(engine.kb.file_hashes) and "kb.yaml" in r["files"]
    assert r["lock"]["status"] in ("released", "unreleased", "unlocked")
    assert {"holidays", "durable_rules", "jsonschema", "orjson", "pyyaml", "python"} <= set(r["packages"])
    assert any(p.startswith("reg7.item4.threshold#") for p in r["parameter_versions"])


def test_verify_identical(run, tmp_path):
    _, path = _receipt_file(run, tmp_path)
    r = run("verify", path, CARD)
    assert r.code == 0, r.stdout + r.stderr
    assert r.stdout.startswith("再現しました")


def test_verify_a_bare_receipt_and_a_fixture(run, tmp_path):
    a, _ = _receipt_file(run, tmp_path)
    bare = tmp_path / "receipt.json"
    bare.write_text(json.dumps(a["receipt"]), encoding="utf-8")
    assert run("verify", bare, CARD).code == 0


def test_verify_says_which_file_and_which_conclusions_differ(run, tmp_path):
    _, path = _receipt_file(run, tmp_path)
    rules = kbedit.copy_project(tmp_path / "other", fixtures=False)
    kbedit.edit_param(rules, "reg7.item4.threshold", lambda p: p["versions"][-1].__setitem__("value", 400))
    r = run("verify", path, CARD, "--rules", rules, "--lang", "en")
    assert r.code == 1
    assert r.stdout.startswith("Not reproduced: the assessment differs")
    assert "  rule files: regulation/appi-rules/art07.yaml" in r.stdout
    assert "reg7.item4 " in r.stdout and "status not_established → established" in r.stdout


def test_verify_says_the_input_changed(run, tmp_path):
    _, path = _receipt_file(run, tmp_path)
    changed = tmp_path / "card.yaml"
    changed.write_text(CARD.read_text(encoding="utf-8").replace("number: 500", "number: 1500"),
                       encoding="utf-8")
    r = run("verify", path, changed, "--format", "json")
    assert r.code == 1
    doc = json.loads(r.stdout)
    assert doc["verdict"] == "differs" and doc["causes"][0]["kind"] == "input"


def test_verify_names_a_different_holidays_package(run, tmp_path):
    a, path = _receipt_file(run, tmp_path)
    a["receipt"]["packages"]["holidays"] = "0.1"
    path.write_text(json.dumps(a), encoding="utf-8")
    r = run("verify", path, CARD, "--lang", "en")
    assert "package holidays: 0.1 → " in r.stdout and "holiday calendar" in r.stdout


def test_verify_bad_receipt_is_bad_input(run, tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    r = run("verify", bad, CARD)
    assert r.code == 2 and "neither an assessment nor a receipt" in r.stderr


def test_verify_from_a_fresh_clone(tmp_path):
    """A receipt written here reproduces in a fresh clone of the committed project."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.fail("this test needs the project's git checkout")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, capture_output=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "rules", "engine", "schemas", "cli.py"],
                           cwd=ROOT, capture_output=True, text=True).stdout
    incident = clone / "tests" / "data" / "incidents" / "card_leak.yaml"
    env = {"PATH": "/usr/bin:/bin", "APPI_KB_NO_CACHE": "1", "HOME": str(tmp_path)}
    made = subprocess.run([sys.executable, "cli.py", "assess", str(incident), "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True, env=env)
    assert made.returncode == 0, made.stderr
    (tmp_path / "a.json").write_text(made.stdout, encoding="utf-8")
    r = subprocess.run([sys.executable, "cli.py", "verify", str(tmp_path / "a.json"), str(incident),
                        "--lang", "en"], cwd=clone, capture_output=True, text=True, env=env)
    if dirty:                        # uncommitted work here: the clone's code or KB differs
        assert r.returncode in (0, 1) and "the engine's code" in r.stdout + "the engine's code"
    else:
        assert r.returncode == 0, r.stdout + r.stderr
        assert r.stdout.startswith("Reproduced: the assessment is identical")
