"""Copies of the real knowledge base, edited the way a legal editor would edit it (for the editor
stream's tests: --rules, diff, releases, receipts). Nothing here knows any law beyond the ids it
is given by the test."""
from __future__ import annotations

import shutil
from pathlib import Path

from engine.paths import FIXTURES_DIR, RULES_DIR
from engine.yamlio import load_yaml

import helpers


def copy_project(dst: Path, fixtures: bool = True) -> Path:
    """A project folder like a checkout: dst/rules (a copy of the KB) and dst/fixtures."""
    shutil.copytree(RULES_DIR, dst / "rules")
    if fixtures:
        shutil.copytree(FIXTURES_DIR, dst / "fixtures")
        # fixtures/drafts/ name the bundled examples they draft (incident.refers_to)
        shutil.copytree(FIXTURES_DIR.parent / "examples", dst / "examples")
    return dst / "rules"


def param_file(rules: Path, pid: str) -> Path:
    for path in sorted(rules.rglob("*.yaml")):
        data = load_yaml(path).data
        if any(p["id"] == pid for p in data.get("parameters", [])):
            return path
    raise KeyError(pid)


def edit_param(rules: Path, pid: str, edit) -> Path:
    """Apply `edit(parameter dict)` to parameter `pid` in a KB copy; returns the file changed."""
    path = param_file(rules, pid)
    data = load_yaml(path).data
    edit(next(p for p in data["parameters"] if p["id"] == pid))
    path.write_text(helpers.dump(data), encoding="utf-8")
    return path


def new_param_version(rules: Path, pid: str, value, valid_from: str, valid_to_old: str) -> Path:
    """End the parameter's open version the day before and add one with `value` (the way a
    change of the law is written)."""
    def edit(p):
        last = p["versions"][-1]
        assert "valid_to" not in last
        last["valid_to"] = valid_to_old
        new = {k: v for k, v in last.items() if k != "valid_to"}
        new["valid_from"] = valid_from
        new["value"] = value
        p["versions"].append(new)
    return edit_param(rules, pid, edit)


def set_kb_version(rules: Path, version: str) -> None:
    from engine.release import set_kb_version as _set
    _set(rules, version)


def bump_if_released(rules: Path) -> None:
    """After a release, a change needs kb.version above the lock's (unreleased work)."""
    from engine.release import bump, read_lock
    lock, _ = read_lock(rules)
    data = load_yaml(rules / "kb.yaml").data
    if lock is not None and data["kb"]["version"] == lock["kb_version"]:
        set_kb_version(rules, bump(lock["kb_version"], "patch"))
