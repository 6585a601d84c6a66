"""Releases (issue 8.3): the lock, what `validate` refuses, and `appi-kb release`.

Friction points: kb.version stayed 0.1.0 through 43 commits that changed rules/; a released rule
version could be edited in place and still print `@1`."""
from __future__ import annotations

import json
import subprocess

import pytest

from engine.kbload import load_kb
from engine.release import LOCK_NAME, build_lock, check, lock_text, read_lock
import kbedit

THRESHOLD = "reg7.item4.threshold"
GIT = ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]


def _git(root, *args):
    subprocess.run(["git", *GIT, *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def released(tmp_path, run):
    """A checkout (git) whose KB was just released as 1.0.0."""
    rules = kbedit.copy_project(tmp_path / "repo", fixtures=False)
    for name in (LOCK_NAME, "CHANGELOG.md"):
        (rules / name).unlink(missing_ok=True)
    kbedit.set_kb_version(rules, "0.9.0")
    _git(tmp_path / "repo", "init", "-q")
    _git(tmp_path / "repo", "add", "-A")
    _git(tmp_path / "repo", "commit", "-q", "-m", "kb")
    r = run("release", "--rules", rules, "--version", "1.0.0", "--today", "2026-12-03")
    assert r.code == 0, r.stderr
    _git(tmp_path / "repo", "add", "-A")
    _git(tmp_path / "repo", "commit", "-q", "-m", "release 1.0.0")
    return rules


def _validate(run, rules):
    r = run("validate", "--rules", rules, "--quiet")
    return r.code, r.stderr


def test_release_writes_version_lock_and_changelog(released):
    kb = load_kb(released)
    assert kb.version == "1.0.0"
    lock, _sha = read_lock(released)
    assert lock["kb_version"] == "1.0.0" and lock["kb_sha256"] == kb.files_hash
    assert f"{THRESHOLD}#1" in lock["parameters"] and "reg7.item4@1" in lock["rules"]
    assert check(kb).status == "released"
    log = (released / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## 1.0.0 — 2026-12-03" in log and "First locked release" in log


def test_lock_is_a_function_of_the_kb_so_a_conflict_is_resolved_by_relock(released, run):
    before = (released / LOCK_NAME).read_text(encoding="utf-8")
    assert before == lock_text(build_lock(load_kb(released)))
    (released / LOCK_NAME).write_text("<<<<<<< HEAD\n" + before + "=======\n>>>>>>> x\n", encoding="utf-8")
    code, err = _validate(run, released)
    assert code == 2 and "merge-conflict markers" in err and "appi-kb release --relock" in err
    r = run("release", "--rules", released, "--relock")
    assert r.code == 0, r.stderr
    assert (released / LOCK_NAME).read_text(encoding="utf-8") == before
    assert _validate(run, released)[0] == 0


def test_a_content_change_needs_a_new_kb_version(released, run):
    kbedit.new_param_version(released, THRESHOLD, 500, "2027-04-01", "2027-03-31")
    code, err = _validate(run, released)
    assert code == 2
    assert ("rules/kb.yaml:" in err or "kb.yaml:" in err) and \
        "changed since release 1.0.0 (regulation/appi-rules/art07.yaml) but kb.version is still 1.0.0" in err
    assert "set kb.version in rules/kb.yaml to 1.0.1" in err
    kbedit.set_kb_version(released, "1.0.1")         # unreleased work: accepted
    assert _validate(run, released) == (0, "")
    assert check(load_kb(released)).status == "unreleased"


def test_an_in_place_change_of_a_released_version_is_refused(released, run):
    kbedit.set_kb_version(released, "1.1.0")
    kbedit.edit_param(released, THRESHOLD, lambda p: p["versions"][0].__setitem__("value", 500))
    code, err = _validate(run, released)
    assert code == 2
    assert f"parameter version {THRESHOLD}#1 was released in kb 1.0.0 and its logic" in err
    assert "add a new parameter version" in err


def test_an_in_place_change_of_a_released_rule_says_add_version_2(released, run):
    kbedit.set_kb_version(released, "1.1.0")
    path = released / "regulation" / "appi-rules" / "art07.yaml"
    from engine.yamlio import load_yaml
    import helpers
    data = load_yaml(path).data
    rule = next(r for r in data["rules"] if r["id"] == "reg7.item4")
    rule["versions"][0]["when"] = {"all": [rule["versions"][0]["when"]]}   # plus one more test:
    rule["versions"][0]["when"]["all"].append({"fact": "affected.number_max", "at_least": 1})
    path.write_text(helpers.dump(data), encoding="utf-8")
    code, err = _validate(run, released)
    assert code == 2
    assert "rule version reg7.item4@1 was released in kb 1.0.0" in err
    assert "add version 2" in err


def test_ending_a_released_version_and_correcting_a_quote_are_allowed(released, run):
    kbedit.set_kb_version(released, "1.0.1")
    kbedit.new_param_version(released, THRESHOLD, 500, "2027-04-01", "2027-03-31")   # ends #1
    # citation metadata corrected (the link to the article), the logic untouched
    kbedit.edit_param(released, THRESHOLD, lambda p: p["versions"][0]["citations"][0].__setitem__(
        "url", "https://laws.e-gov.go.jp/law/428M60020000003#Mp-At_7-It_4"))
    r = run("validate", "--rules", released)
    assert r.code == 0, r.stderr[-2000:]
    assert f"{THRESHOLD}#1 (released in kb 1.0.0): citation text corrected in place" in r.stderr


def test_release_after_a_change_writes_the_changelog_from_the_diff(released, run):
    kbedit.new_param_version(released, THRESHOLD, 500, "2027-04-01", "2027-03-31")
    r = run("release", "--rules", released, "--today", "2026-12-04", "--lang", "en")
    assert r.code == 0, r.stderr
    assert "released appi-kb 1.0.1" in r.stdout
    kb = load_kb(released)
    assert kb.version == "1.0.1" and check(kb).status == "released"
    log = (released / "CHANGELOG.md").read_text(encoding="utf-8")
    entry = log[log.index("## 1.0.1"):log.index("## 1.0.0")]
    assert "since 1.0.0 (" in entry
    assert f"- + parameter version {THRESHOLD}#2 — valid_from: 2027-04-01, valid_to: —, value: 500" in entry
    assert f"- ~ parameter version {THRESHOLD}#1 — valid_to: — → 2027-03-31" in entry


def test_nothing_to_release(released, run):
    r = run("release", "--rules", released)
    assert r.code == 0 and r.stdout.startswith("nothing to release: the KB is release 1.0.0")


def test_release_refuses_an_invalid_kb(released, run):
    kbedit.set_kb_version(released, "1.1.0")
    kbedit.edit_param(released, THRESHOLD, lambda p: p["versions"][0].__setitem__("value", 2))
    r = run("release", "--rules", released)
    assert r.code == 2 and r.stderr.startswith("release refused: `appi-kb validate` reports errors")


def test_the_project_kb_is_released_and_validate_follows_the_lock(engine):
    state = check(engine.kb)
    assert state.lock is not None, "rules/kb.lock.json: run `appi-kb release`"
    assert state.status in ("released", "unreleased") and not state.errors
