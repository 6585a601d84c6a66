"""`appi-kb diff`: what a change of the knowledge base changes.

Two parts, both computed from two loaded KBs (the working one and a base: a folder, or the KB
at a git ref):

* **the KB itself** (`kb_changes`): rules, rule versions, parameters and parameter versions,
  conclusions, citations and labels added, removed or changed, field by field;
* **the outcomes** (`outcome_changes`): every fixture, every example and any incident folder is
  assessed under both KBs — on its own date (a fixture's `as_of`, else the date the incident
  implies) and, when asked, on one chosen date — and every conclusion whose status, values,
  deadline, window or start date differs is listed.

Outcomes are what gate a review: `appi-kb diff` exits 1 when any changes. A change whose effect
lies in the future (a threshold from 2027-04-01) leaves every fixture pinned to its own date
unchanged; `--as-of 2027-05-01` shows whom it will affect.
"""
from __future__ import annotations

import datetime as _dt
import json
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError
from .model import KB
from .release import param_versions

# ---- the base KB: a folder, or the KB at a git ref ---------------------------------------------


@dataclass
class Base:
    root: Path              # the rules folder
    label: str              # how the output names it: the ref, or the folder
    tmp: Path | None = None

    def cleanup(self) -> None:
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(f"git could not be run ({exc})", file="REF_OR_DIR", kind="usage",
                         hint="install git, or give a folder holding the other KB") from None


def resolve_base(ref_or_dir: str, working: Path) -> Base:
    """`ref_or_dir` as a KB folder (or a project folder with rules/) when it is one, else as a
    git ref of the repository holding the working KB: its rules folder at that commit."""
    from .paths import kb_dir, where
    candidate = Path(ref_or_dir)
    if candidate.is_dir():
        root = kb_dir(candidate)
        if not (root / "kb.yaml").is_file():
            raise InputError(f"no knowledge base in '{ref_or_dir}' (no kb.yaml there)",
                             file="REF_OR_DIR", kind="usage",
                             hint="give a rules folder holding kb.yaml, a project folder above it, "
                                  "or a git ref such as HEAD or main")
        return Base(root, where(root))
    working = Path(working).resolve()
    top = _git(["rev-parse", "--show-toplevel"], working)
    if top.returncode != 0:
        raise InputError(f"'{ref_or_dir}' is not a folder, and {where(working)} is not in a git "
                         "repository to read a ref from", file="REF_OR_DIR", kind="usage",
                         hint="give a folder holding the other KB")
    repo = Path(top.stdout.decode().strip())
    commit = _git(["rev-parse", "--verify", "--quiet", f"{ref_or_dir}^{{commit}}"], repo)
    if commit.returncode != 0:
        raise InputError(f"'{ref_or_dir}' is neither a folder nor a git ref of {repo}",
                         file="REF_OR_DIR", kind="usage",
                         hint="give a branch, tag or commit (HEAD, main, HEAD~3), or a folder")
    sha = commit.stdout.decode().strip()
    rel = working.relative_to(repo.resolve()).as_posix()
    tmp = Path(tempfile.mkdtemp(prefix="appi-kb-diff-"))
    archive = _git(["archive", "--format=tar", sha, rel], repo)
    if archive.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise InputError(f"{ref_or_dir} has no {rel}/ folder", file="REF_OR_DIR", kind="usage",
                         hint="choose a commit that holds the knowledge base")
    tar_path = tmp / "kb.tar"
    tar_path.write_bytes(archive.stdout)
    with tarfile.open(tar_path) as tar:
        tar.extractall(tmp / "tree", filter="data")
    tar_path.unlink()
    label = sha[:10] if sha.startswith(ref_or_dir) else f"{ref_or_dir} ({sha[:10]})"
    return Base(tmp / "tree" / rel, label, tmp)


def load_base(base: Base) -> KB:
    from .kbload import load_kb
    try:
        return load_kb(base.root)
    except InputError as exc:
        first = exc.errors[0] if hasattr(exc, "errors") else exc
        raise InputError(f"the knowledge base at {base.label} does not load with this appi-kb: "
                         f"{first}", file="REF_OR_DIR", kind="usage",
                         hint="diff against a later ref, or check that one out and run its own "
                              "appi-kb") from None


# ---- the KB itself -----------------------------------------------------------------------------
def _iso(d: _dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _fields(old: dict, new: dict) -> dict:
    return {k: {"from": old.get(k), "to": new.get(k)} for k in sorted(set(old) | set(new))
            if old.get(k) != new.get(k)}


def _rule_version(v) -> dict:
    return {"valid_from": _iso(v.valid_from), "valid_to": _iso(v.valid_to), "when": v.when,
            "then": v.then, "defeats": sorted(v.defeats_written or v.defeats, key=str),
            "judgment": v.judgment, "note": v.note, "label": v.label}


def _param_version(pv) -> dict:
    return {"valid_from": _iso(pv.valid_from), "valid_to": _iso(pv.valid_to), "value": pv.value}


def _conclusion(c) -> dict:
    return {"label": c.label, "labels": c.labels, "section": c.section, "show": c.show,
            "headline": c.headline, "negative_label": c.negative_label}


def _citation_keys(cites) -> dict[str, dict]:
    """A version's citations by clause key (a second one on the same clause gets '#2')."""
    out: dict[str, dict] = {}
    for c in cites:
        key, n = c.key, 2
        while key in out:
            key, n = f"{c.key}#{n}", n + 1
        out[key] = c.data
    return out


def _citation_changes(owner: str, old, new, file: str) -> list[dict]:
    a, b = _citation_keys(old), _citation_keys(new)
    out = []
    for key in sorted(set(a) | set(b)):
        if key not in a:
            out.append(_change("citation", f"{owner} {key}", "added", file=file,
                               detail={"quote": b[key].get("quote"), "status": b[key].get("status")}))
        elif key not in b:
            out.append(_change("citation", f"{owner} {key}", "removed", file=file,
                               detail={"quote": a[key].get("quote"), "status": a[key].get("status")}))
        elif a[key] != b[key]:
            out.append(_change("citation", f"{owner} {key}", "changed", file=file,
                               fields=_fields(a[key], b[key])))
    return out


def _change(kind: str, ident: str, change: str, *, fields: dict | None = None,
            detail: dict | None = None, file: str | None = None) -> dict:
    out: dict[str, Any] = {"kind": kind, "id": ident, "change": change}
    if fields:
        out["fields"] = fields
    if detail:
        out["detail"] = detail
    if file:
        out["file"] = file
    return out


def kb_changes(base: KB, work: KB) -> list[dict]:
    """Every difference between two KBs, as a flat, sorted list of changes."""
    out: list[dict] = []
    if base.version != work.version:
        out.append(_change("kb", "kb.version", "changed",
                           fields={"version": {"from": base.version, "to": work.version}}))
    # rules and their versions
    for rid in sorted(set(base.rules) | set(work.rules)):
        a, b = base.rules.get(rid), work.rules.get(rid)
        if a is None or b is None:
            r = a or b
            out.append(_change("rule", rid, "added" if a is None else "removed", file=r.file,
                               detail={"label": r.label, "kind": r.kind,
                                       "versions": [v.version for v in r.versions]}))
            continue
        rule_fields = _fields({"label": a.label, "kind": a.kind}, {"label": b.label, "kind": b.kind})
        if rule_fields:
            out.append(_change("rule", rid, "changed", fields=rule_fields, file=b.file))
        va, vb = {v.version: v for v in a.versions}, {v.version: v for v in b.versions}
        for n in sorted(set(va) | set(vb)):
            x, y = va.get(n), vb.get(n)
            ref = f"{rid}@{n}"
            if x is None or y is None:
                v = x or y
                out.append(_change("rule_version", ref, "added" if x is None else "removed",
                                   file=v.file, detail={"valid_from": _iso(v.valid_from),
                                                        "valid_to": _iso(v.valid_to)}))
                continue
            f = _fields(_rule_version(x), _rule_version(y))
            if f:
                out.append(_change("rule_version", ref, "changed", fields=f, file=y.file))
            out += _citation_changes(ref, x.citations, y.citations, y.file)
    # parameters and their versions
    for pid in sorted(set(base.parameters) | set(work.parameters)):
        a, b = base.parameters.get(pid), work.parameters.get(pid)
        if a is None or b is None:
            p = a or b
            out.append(_change("parameter", pid, "added" if a is None else "removed", file=p.file,
                               detail={"label": p.label, "values": [
                                   _param_version(pv) for _, pv in param_versions(p)]}))
            continue
        f = _fields({"label": a.label, "unit": a.unit, "constraints": a.constraints},
                    {"label": b.label, "unit": b.unit, "constraints": b.constraints})
        if f:
            out.append(_change("parameter", pid, "changed", fields=f, file=b.file))
        va, vb = dict(param_versions(a)), dict(param_versions(b))
        for ref in sorted(set(va) | set(vb), key=lambda r: int(r.rsplit("#", 1)[1])):
            x, y = va.get(ref), vb.get(ref)
            if x is None or y is None:
                out.append(_change("parameter_version", ref, "added" if x is None else "removed",
                                   file=b.file, detail=_param_version(x or y)))
                continue
            f = _fields(_param_version(x), _param_version(y))
            if f:
                out.append(_change("parameter_version", ref, "changed", fields=f, file=b.file))
            out += _citation_changes(ref, x.citations, y.citations, b.file)
    # conclusions (codes, their labels and where they are shown)
    for code in sorted(set(base.conclusions) | set(work.conclusions)):
        a, b = base.conclusions.get(code), work.conclusions.get(code)
        if a is None or b is None:
            c = a or b
            out.append(_change("conclusion", code, "added" if a is None else "removed",
                               file=c.file, detail={"label": c.label}))
            continue
        f = _fields(_conclusion(a), _conclusion(b))
        if f:
            out.append(_change("conclusion", code, "changed", fields=f, file=b.file))
    # labels of values and sections (kb.yaml)
    for kind, x, y in (("value_label", base.value_labels, work.value_labels),
                       ("section", {k: s.title for k, s in base.sections.items()},
                        {k: s.title for k, s in work.sections.items()})):
        for key in sorted(set(x) | set(y)):
            if key not in x:
                out.append(_change(kind, key, "added", detail={"label": y[key]}))
            elif key not in y:
                out.append(_change(kind, key, "removed", detail={"label": x[key]}))
            elif x[key] != y[key]:
                out.append(_change(kind, key, "changed", fields={"label": {"from": x[key], "to": y[key]}}))
    # coming changes (rules/pending/) and the scope declaration (kb.yaml scope), entry by entry
    def by_id(items) -> dict:
        return {e["id"]: {k: v for k, v in e.items() if k != "file"} for e in items}

    def scope_entries(kb: KB) -> dict:
        sc = getattr(kb, "scope", None) or {}
        return by_id([dict(e, part=part) for part in ("covers", "does_not_cover")
                      for e in sc.get(part, [])])

    for kind, x, y, files in (
            ("pending", by_id(getattr(base, "pending", [])), by_id(getattr(work, "pending", [])),
             {e["id"]: e.get("file") for e in getattr(work, "pending", []) + getattr(base, "pending", [])}),
            ("scope", scope_entries(base), scope_entries(work), {})):
        for key in sorted(set(x) | set(y)):
            if key not in x or key not in y:
                e = x.get(key) or y[key]
                out.append(_change(kind, key, "added" if key not in x else "removed",
                                   detail={"title": e["title"]}, file=files.get(key)))
            elif x[key] != y[key]:
                out.append(_change(kind, key, "changed", fields=_fields(x[key], y[key]), file=files.get(key)))
    return out


# ---- the outcomes ------------------------------------------------------------------------------
@dataclass
class Case:
    """One incident to assess under both KBs."""
    id: str
    kind: str               # fixture | example | incident
    file: str
    doc: Any                # the incident Doc
    as_of: _dt.date | None  # a fixture's own date, if it names one


def cases(fixtures_dir: Path | None, examples_dir: Path | None,
          incidents: list[Path]) -> tuple[list[Case], list[str]]:
    """The fixtures, examples and incidents to compare, and the files that could not be read."""
    from .assess import load_incident
    from .fixtures import fixture_files, load_fixture
    from .paths import display
    out: list[Case] = []
    problems: list[str] = []
    if fixtures_dir is not None and fixtures_dir.is_dir():
        for path in fixture_files([fixtures_dir]):
            try:
                fx = load_fixture(path)
            except InputError as exc:
                problems.append(str(exc).splitlines()[0])
                continue
            out.append(Case(fx.id, "fixture", fx.file, fx.incident, fx.as_of))
    for kind, folder in (("example", examples_dir), *(("incident", p) for p in incidents)):
        if folder is None or not Path(folder).exists():
            continue
        files = sorted(Path(folder).rglob("*.yaml")) if Path(folder).is_dir() else [Path(folder)]
        for path in files:
            try:
                doc = load_incident(path)
            except InputError as exc:
                problems.append(str(exc).splitlines()[0])
                continue
            meta = doc.data.get("incident") or {}
            out.append(Case(str(meta.get("id") or path.stem), kind, display(path), doc, None))
    return out, problems


def _assess(engine, case: Case, day: _dt.date | None) -> dict:
    try:
        return engine.assess(case.doc, day or case.as_of)
    except InputError as exc:
        return {"error": str(exc).splitlines()[0]}


def _summary(c: dict) -> dict:
    """What counts as the outcome of one conclusion."""
    out = {"status": c["status"]}
    if c.get("values"):
        out["values"] = c["values"]
    for key in ("deadline", "window"):
        d = c.get(key)
        if d:
            out[key] = {k: d.get(k) for k in ("start", "days", "due", "from", "to") if d.get(k) is not None}
    if c.get("since"):
        out["since"] = c["since"]
    return out


NOT_SHOWN = {"not_established", "not in force", "excluded"}


def compare(a: dict, b: dict) -> tuple[list[dict], dict]:
    """The conclusions whose outcome differs between two assessments of one incident."""
    if "error" in a or "error" in b:
        if a.get("error") == b.get("error"):
            return [], {}
        return [{"code": "(assessment)", "field": "error", "from": a.get("error"),
                 "to": b.get("error")}], {}
    ca = {c["code"]: c for c in a["conclusions"]}
    cb = {c["code"]: c for c in b["conclusions"]}
    out, headlines = [], {}
    for code in sorted(set(ca) | set(cb)):
        x = _summary(ca[code]) if code in ca else {"status": "not in force"}
        y = _summary(cb[code]) if code in cb else {"status": "not in force"}
        appears = x["status"] != y["status"] and NOT_SHOWN & {x["status"], y["status"]}
        for field in ("status", "values", "deadline", "window", "since"):
            if field == "values" and appears:
                continue        # a conclusion that appears or goes takes its values along
            if x.get(field) != y.get(field):
                label = (cb.get(code) or ca.get(code))["label"]
                out.append({"code": code, "label": label, "field": field,
                            "from": x.get(field), "to": y.get(field)})
        if x["status"] != y["status"] and (cb.get(code) or ca.get(code)).get("headline"):
            headlines[code] = (x["status"], y["status"])
    if a["as_of"] != b["as_of"]:
        out.insert(0, {"code": "(as_of)", "field": "as_of", "from": a["as_of"], "to": b["as_of"]})
    return out, headlines


def outcome_changes(base_engine, work_engine, all_cases: list[Case],
                    day: _dt.date | None) -> dict:
    """Each case assessed under both KBs on its own date (`day` None) or on `day`."""
    changed, flips = [], {}
    for case in all_cases:
        a, b = _assess(base_engine, case, day), _assess(work_engine, case, day)
        diffs, headlines = compare(a, b)
        if diffs:
            changed.append({"id": case.id, "kind": case.kind, "file": case.file,
                            "as_of": b.get("as_of") or a.get("as_of"), "changes": diffs})
        for code, (x, y) in headlines.items():
            flips.setdefault(code, []).append({"id": case.id, "from": x, "to": y})
    return {"as_of": day.isoformat() if day else "own", "compared": len(all_cases),
            "changed": changed, "headline_flips": {k: flips[k] for k in sorted(flips)}}


def run(base: KB, work: KB, base_engine, work_engine, all_cases: list[Case],
        as_of: _dt.date | None, base_label: str, work_label: str) -> dict:
    """The whole diff document (JSON-ready)."""
    same = base.files_hash == work.files_hash
    changes = [] if same else kb_changes(base, work)
    runs = []
    for day in [None] + ([as_of] if as_of else []):
        if same:
            runs.append({"as_of": day.isoformat() if day else "own", "compared": len(all_cases),
                         "changed": [], "headline_flips": {}})
        else:
            runs.append(outcome_changes(base_engine, work_engine, all_cases, day))
    return {"base": {"label": base_label, "kb_version": base.version, "sha256": base.files_hash},
            "working": {"label": work_label, "kb_version": work.version, "sha256": work.files_hash},
            "kb_changes": changes, "outcomes": runs,
            "outcomes_changed": any(r["changed"] for r in runs)}


def dumps(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
