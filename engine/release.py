"""Releases of the knowledge base: the lock file, and what `validate` checks against it.

A release fixes `kb.version` to one content. `rules/kb.lock.json` (written by `appi-kb release`,
never by hand) records, for that version, the content hash of every file and two hashes for every
rule version and parameter version:

  logic  what decides an outcome: valid_from, when, then (but its guidance text), defeats, whether
         it is a judgment; for a parameter version: valid_from and value;
  text   what a reader is shown about it: the citations (quote, status, verified_on, url, note),
         the version's note, the guidance text and the judgment's question.

`valid_to` is kept apart: ending a released version (open -> a date) is how the law's changes are
written, so it is allowed; moving an end date that was already set is a change of logic.

The checks (`check`), as `appi-kb validate` reports them:
  * a released version whose logic changed in place is an error: the same `rule@N` must always
    mean the same law, so the change goes into version N+1 (or, when version N was wrong from the
    start, a version N+1 over the same dates in place of N);
  * a released version whose text changed (a quote corrected against the official text, a status
    raised to official) is allowed, and listed as a note: the outcome cannot change;
  * any change of content while `kb.version` still equals the released version is an error: set
    kb.version above it (unreleased work; any number of later changes are then accepted until
    `appi-kb release` records them);
  * kb.version below the released one is an error.

The lock is a function of the KB alone (`build_lock`), so a merge conflict in it is resolved by
regenerating it: `appi-kb release --relock`.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError
from .model import KB

LOCK_NAME = "kb.lock.json"
CHANGELOG_NAME = "CHANGELOG.md"
LOCK_FORMAT = 1
UNBUMPED = "release-version"      # the error kind of "content changed, kb.version did not"
_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


# ---- hashing ------------------------------------------------------------------------------------
def _canon(value: Any, key: str = "") -> Any:
    """A canonical form: the order inside all/any (and of defeats) means nothing to the law."""
    if isinstance(value, dict):
        return {k: _canon(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_canon(v) for v in value]
        if key in ("all", "any", "defeats"):
            items.sort(key=lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False))
        return items
    if isinstance(value, (_dt.date,)):
        return value.isoformat()
    return value


def _sha(value: Any) -> str:
    text = json.dumps(_canon(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def rule_version_parts(v) -> dict:
    then = {k: x for k, x in v.then.items() if k != "guidance"}
    logic = {"valid_from": v.valid_from, "when": v.when, "then": then,
             "defeats": sorted(v.defeats), "judgment": v.judgment is not None}
    text = {"citations": [c.data for c in v.citations], "note": v.note,
            "guidance": v.then.get("guidance"),
            "judgment": v.judgment}
    return {"logic": _sha(logic), "text": _sha(text),
            "valid_to": v.valid_to.isoformat() if v.valid_to else None}


def param_version_parts(pv) -> dict:
    return {"logic": _sha({"valid_from": pv.valid_from, "value": pv.value}),
            "text": _sha({"citations": [c.data for c in pv.citations]}),
            "valid_to": pv.valid_to.isoformat() if pv.valid_to else None}


def param_versions(param) -> list[tuple[str, Any]]:
    """A parameter's versions as (ref, version): `id#N`, numbered from 1 in date order."""
    ordered = sorted(param.versions, key=lambda pv: pv.valid_from)
    return [(f"{param.id}#{n}", pv) for n, pv in enumerate(ordered, 1)]


def param_ref(param, pv) -> str:
    return next(ref for ref, other in param_versions(param) if other is pv)


def version_hashes(kb: KB) -> dict:
    rules = {v.ref: rule_version_parts(v) for r in kb.rules.values() for v in r.versions}
    params = {ref: param_version_parts(pv) for p in kb.parameters.values()
              for ref, pv in param_versions(p)}
    return {"rules": dict(sorted(rules.items())), "parameters": dict(sorted(params.items()))}


def build_lock(kb: KB) -> dict:
    """The lock for the KB as it is now, at its own kb.version."""
    lock = {"$comment": "Written by `appi-kb release`; do not edit. On a merge conflict here, "
                        "run `appi-kb release --relock`.",
            "format": LOCK_FORMAT, "kb_id": kb.id, "kb_version": kb.version,
            "kb_sha256": kb.files_hash,
            "files": dict(sorted(kb.file_hashes.items()))}
    lock.update(version_hashes(kb))
    return lock


def lock_text(lock: dict) -> str:
    """JSON with one line per file and per version, so a diff of the lock reads like the change."""
    def one(v) -> str:
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    lines = ["{"]
    items = list(lock.items())
    for i, (key, value) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        if isinstance(value, dict) and value:
            lines.append(f"  {one(key)}: {{")
            inner = list(value.items())
            lines += [f"    {one(k)}: {one(v)}{',' if j < len(inner) - 1 else ''}"
                      for j, (k, v) in enumerate(inner)]
            lines.append(f"  }}{comma}")
        else:
            lines.append(f"  {one(key)}: {one(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def lock_path(kb_or_root) -> Path:
    root = kb_or_root.root if isinstance(kb_or_root, KB) else kb_or_root
    return Path(root) / LOCK_NAME


def read_lock(root: Path) -> tuple[dict | None, str | None]:
    """(lock, sha256 of its bytes), or (None, None) when the KB has never been released."""
    path = Path(root) / LOCK_NAME
    if not path.is_file():
        return None, None
    raw = path.read_bytes()
    where = str(path)
    try:
        from .paths import display
        where = display(path)
        text = raw.decode("utf-8")
        if "<<<<<<<" in text or ">>>>>>>" in text:
            raise InputError("the release lock has merge-conflict markers", file=where, kind="lock",
                             hint="regenerate it: `appi-kb release --relock`")
        lock = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"the release lock is not valid JSON ({exc})", file=where, kind="lock",
                         hint="regenerate it: `appi-kb release --relock`") from None
    if not isinstance(lock, dict) or lock.get("format") != LOCK_FORMAT:
        raise InputError("the release lock is not in the format this appi-kb writes", file=where,
                         kind="lock", hint="regenerate it: `appi-kb release --relock`")
    return lock, hashlib.sha256(raw).hexdigest()


# ---- versions -----------------------------------------------------------------------------------
def parse_version(text: str) -> tuple[int, int, int] | None:
    m = _SEMVER.match(str(text))
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def bump(version: str, part: str) -> str:
    parsed = parse_version(version)
    if parsed is None:
        raise InputError(f"kb.version '{version}' is not MAJOR.MINOR.PATCH", kind="lock",
                         hint="write kb.version in rules/kb.yaml as three numbers, e.g. 0.2.0")
    major, minor, patch = parsed
    return {"major": f"{major + 1}.0.0", "minor": f"{major}.{minor + 1}.0",
            "patch": f"{major}.{minor}.{patch + 1}"}[part]


# ---- the checks ---------------------------------------------------------------------------------
@dataclass
class ReleaseState:
    """How the KB stands against its lock (what `validate` and the receipt say)."""
    lock: dict | None
    lock_sha256: str | None
    errors: list[InputError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    changed_files: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)      # released versions whose text changed
    version_ahead: bool = False                              # kb.version above the lock's

    @property
    def status(self) -> str:
        """released (content = the lock's), unreleased (kb.version ahead of it), modified
        (content changed, version not: an error), unlocked (never released)."""
        if self.lock is None:
            return "unlocked"
        if any(e.kind in ("release", UNBUMPED) for e in self.errors):
            return "modified"
        return "released" if not self.changed_files and not self.version_ahead else "unreleased"


def check(kb: KB) -> ReleaseState:
    """The KB against its lock; problems are errors with the file and line to fix."""
    lock, sha = read_lock(kb.root)
    state = ReleaseState(lock, sha)
    manifest = "kb.yaml"
    if lock is None:
        state.notes.append(f"{_where(kb)}: never released (no {LOCK_NAME}): "
                           "`appi-kb release` makes the first release")
        return state
    released = lock.get("kb_version", "")
    if lock.get("kb_id") != kb.id:
        state.errors.append(_kb_error(kb, ("kb", "id"), f"the release lock is for '{lock.get('kb_id')}', "
                                      f"this KB is '{kb.id}'", "regenerate it: `appi-kb release --relock`",
                                      "release"))
        return state
    state.changed_files = sorted(
        f for f in set(kb.file_hashes) | set(lock.get("files", {}))
        if kb.file_hashes.get(f) != lock.get("files", {}).get(f) and f != manifest)
    mine, theirs = parse_version(kb.version), parse_version(released)
    content_changed = kb.files_hash != lock.get("kb_sha256")
    if mine is None:
        state.errors.append(_kb_error(kb, ("kb", "version"), f"kb.version '{kb.version}' is not "
                                      "MAJOR.MINOR.PATCH", "write it as three numbers, e.g. 0.3.0",
                                      "release"))
    elif theirs is not None and mine < theirs:
        state.errors.append(_kb_error(kb, ("kb", "version"), f"kb.version {kb.version} is older "
                                      f"than the released {released}",
                                      f"set kb.version to {released} or later", "release"))
    elif mine == theirs and content_changed:
        what = ", ".join(state.changed_files[:5]) or manifest
        more = f" and {len(state.changed_files) - 5} more" if len(state.changed_files) > 5 else ""
        state.errors.append(_kb_error(
            kb, ("kb", "version"), f"the knowledge base changed since release {released} "
            f"({what}{more}) but kb.version is still {released}",
            f"set kb.version in rules/kb.yaml to {bump(released, 'patch')} (or a higher minor/major) "
            "to mark the work unreleased; `appi-kb release` records it", UNBUMPED))
    state.version_ahead = mine is not None and theirs is not None and mine > theirs
    if state.version_ahead:
        state.notes.append(f"{_where(kb)}: kb {kb.version} is unreleased work since release {released}"
                           + (f" ({len(state.changed_files)} file(s) changed)" if state.changed_files else "")
                           + ": `appi-kb release` records it")

    now = version_hashes(kb)
    versions = {v.ref: v for r in kb.rules.values() for v in r.versions}
    pversions = {ref: (p, pv) for p in kb.parameters.values() for ref, pv in param_versions(p)}
    for kind, table in (("rules", versions), ("parameters", pversions)):
        for ref, old in sorted(lock.get(kind, {}).items()):
            new = now[kind].get(ref)
            if new is None:
                state.notes.append(f"released {'rule version' if kind == 'rules' else 'parameter version'} "
                                   f"{ref} (kb {released}) is no longer in the KB: receipts naming it "
                                   f"reproduce with kb {released}")
                continue
            where = _version_where(kb, kind, table[ref])
            problems = []
            if new["logic"] != old["logic"]:
                problems.append("its logic (when, then, defeats, judgment, valid_from"
                                + (")" if kind == "rules" else ", value)"))
            if old["valid_to"] is not None and new["valid_to"] != old["valid_to"]:
                problems.append(f"its valid_to ({old['valid_to']} -> {new['valid_to'] or 'open'})")
            if problems:
                state.errors.append(_released_error(kb, kind, ref, table[ref], released, problems,
                                                    where))
            elif new["text"] != old["text"]:
                state.corrected.append(ref)
                state.notes.append(f"{where[0]}:{where[1] or 0}: {ref} (released in kb {released}): "
                                   "citation text corrected in place (allowed: the logic is unchanged)")
    return state


def _where(kb: KB) -> str:
    from .paths import where
    return where(kb.root)


def _kb_error(kb: KB, path: tuple, message: str, hint: str, kind: str) -> InputError:
    from .paths import display
    from .yamlio import load_yaml
    where = display(Path(kb.root) / "kb.yaml")
    try:
        return load_yaml(Path(kb.root) / "kb.yaml", where).error(path, message, hint, kind=kind)
    except InputError:
        return InputError(message, file=where, hint=hint, kind=kind)


def _version_where(kb: KB, kind: str, obj) -> tuple[str, int | None]:
    if kind == "rules":
        return obj.file, obj.line
    param, pv = obj
    return param.file, pv.line


def _released_error(kb: KB, kind: str, ref: str, obj, released: str, problems: list[str],
                    where: tuple[str, int | None]) -> InputError:
    if kind == "rules":
        rule = kb.rules[obj.rule_id]
        nxt = max(v.version for v in rule.versions) + 1
        hint = (f"restore version {obj.version} as released and add version {nxt}: from the day "
                f"the law changed (end version {obj.version} with valid_to the day before), or, if "
                f"version {obj.version} was wrong from the start, over the same dates in its place")
        what = f"rule version {ref}"
    else:
        param, _ = obj
        hint = ("restore it as released and add a new parameter version from the day the value "
                "changes (end this one with valid_to the day before)")
        what = f"parameter version {ref}"
    return InputError(f"{what} was released in kb {released} and " + " and ".join(problems)
                      + " changed in place", file=where[0], line=where[1], hint=hint, kind="release")


# ---- release ------------------------------------------------------------------------------------
def write_lock(kb: KB) -> Path:
    path = lock_path(kb)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(lock_text(build_lock(kb)), encoding="utf-8")
    tmp.replace(path)
    return path


def set_kb_version(root: Path, version: str) -> None:
    """Rewrite `version:` under `kb:` in kb.yaml in place (comments and layout kept)."""
    path = Path(root) / "kb.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    in_kb = False
    for i, line in enumerate(lines):
        if re.match(r"^kb:\s*(#.*)?$", line):
            in_kb = True
            continue
        if in_kb and re.match(r"^\S", line):
            break
        m = re.match(r"^(\s+version:\s*)(\S+)(.*)$", line) if in_kb else None
        if m:
            lines[i] = f"{m[1]}{version}{m[3]}\n"
            path.write_text("".join(lines), encoding="utf-8")
            return
    raise InputError("cannot find `version:` under `kb:`", file=str(path), kind="lock",
                     hint="write kb.version in rules/kb.yaml as `kb:` / `  version: 0.1.0`")


# ---- the CHANGELOG --------------------------------------------------------------------------
CHANGELOG_HEAD = ("# Changelog of the knowledge base\n\n"
                  "Written by `appi-kb release` from `appi-kb diff` against the previous release; "
                  "newest first.\n")


def changelog_entry(version: str, day: _dt.date, kb: KB, diff_doc: dict | None, base_label: str | None,
                    lang: str = "ja") -> str:
    """One release's entry: what changed in the KB and whose outcomes change (own dates)."""
    from .render.diff import change_text, outcome_text, w
    out = [f"## {version} — {day.isoformat()}", ""]
    n_versions = sum(len(r.versions) for r in kb.rules.values())
    n_params = sum(len(p.versions) for p in kb.parameters.values())
    out.append(f"rules SHA-256 `{kb.files_hash}` · {len(kb.rules)} rules ({n_versions} versions), "
               f"{len(kb.parameters)} parameters ({n_params} versions), "
               f"{len(kb.conclusions)} conclusions")
    if diff_doc is None:
        out += ["", "First locked release: every rule version and parameter version is recorded "
                    f"in rules/{LOCK_NAME}."]
        return "\n".join(out) + "\n"
    out += [f"since {base_label}", "", f"### {w(lang, 'kb_changes', n=len(diff_doc['kb_changes']))}", ""]
    out += [f"- {change_text(c, lang)}" for c in diff_doc["kb_changes"]] or [f"- {w(lang, 'none')}"]
    for run in diff_doc["outcomes"]:
        title = (w(lang, "own", changed=len(run["changed"]), compared=run["compared"])
                 if run["as_of"] == "own" else
                 w(lang, "at", date=run["as_of"], changed=len(run["changed"]), compared=run["compared"]))
        out += ["", f"### {title}", ""]
        if not run["changed"]:
            out.append(f"- {w(lang, 'none')}")
        for case in run["changed"]:
            out.append(f"- `{case['id']}` ({case['file']})")
            out += [f"  - {outcome_text(d, lang)}" for d in case["changes"]]
    return "\n".join(out) + "\n"


def write_changelog(root: Path, entry: str) -> Path:
    path = Path(root) / CHANGELOG_NAME
    old = path.read_text(encoding="utf-8") if path.is_file() else CHANGELOG_HEAD
    head, sep, rest = old.partition("\n## ")
    text = head.rstrip("\n") + "\n\n" + entry + ("\n## " + rest if sep else "")
    path.write_text(text, encoding="utf-8")
    return path


def last_release_commit(root: Path) -> str | None:
    """The commit that last wrote the lock (the previous release), if the KB is in git."""
    import subprocess
    try:
        r = subprocess.run(["git", "log", "-1", "--format=%H", "--", LOCK_NAME], cwd=root,
                           capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    sha = r.stdout.decode().strip()
    return sha if r.returncode == 0 and sha else None
