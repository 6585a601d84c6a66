"""Fixtures: documented examples with the expected answer *and* the reasons behind it.

A fixture passes when every expectation it states holds in the assessment: conclusion statuses,
the rules that must (not) hold, exceptions applied, clause keys cited, questions asked, judgments
flagged, dates and values. Expectations are a subset: an assessment may say more.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

from .assess import Engine
from .errors import InputError
from .paths import FIXTURES_DIR, display
from .schemas import validate_doc
from .yamlio import Doc, load_yaml
from .document import expand


@dataclass
class Fixture:
    id: str
    file: str
    doc: Doc
    incident: Doc
    as_of: _dt.date | None
    seed_example: str | None      # the seed-deck example it documents (source type seed_example)
    expect: dict
    source_type: str = "seed_example"   # seed_example, statute, regulation, guideline, qa, case, amendment, scenario

    @property
    def source(self) -> dict:
        return self.doc.data["source"]


@dataclass
class Result:
    fixture: Fixture
    failures: list[str]
    assessment: dict | None = None

    @property
    def passed(self) -> bool:
        return not self.failures


def fixture_files(paths: list[Path] | None = None) -> list[Path]:
    if not paths:
        paths = [FIXTURES_DIR]
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(p.rglob("*.yaml")))
        else:
            out.append(p)
    return out


def load_fixture(path: Path | str) -> Fixture:
    path = Path(path)
    doc = load_yaml(path, display(path))
    validate_doc(doc, "fixture")
    sub = Doc(doc.path, doc.data["incident"],
              {k[1:]: v for k, v in doc.lines.items() if k[:1] == ("incident",)})
    validate_doc(sub, "incident")
    as_of = doc.data.get("as_of")
    source = doc.data["source"]
    return Fixture(doc.data["id"], doc.path, doc, sub,
                   _dt.date.fromisoformat(as_of) if as_of else None,
                   source.get("seed_example"), doc.data["expect"],
                   source.get("type", "seed_example"))


def load_fixtures(paths: list[Path] | None = None) -> list[Fixture]:
    fixtures, problems = load_fixtures_each(paths)
    if problems:
        raise problems[0][1]
    return fixtures


def load_fixtures_each(paths: list[Path] | None = None
                       ) -> tuple[list[Fixture], list[tuple[str, InputError]]]:
    """Every fixture that loads, and (file, error) for each one that does not: one malformed
    file must not hide what the others say. A second use of an id is the later file's error."""
    fixtures: list[Fixture] = []
    problems: list[tuple[str, InputError]] = []
    seen: dict[str, str] = {}
    for path in fixture_files(paths):
        try:
            fx = load_fixture(path)
        except InputError as exc:
            problems.append((display(path), exc))
            continue
        if fx.id in seen:
            problems.append((fx.file, InputError(
                f"fixture id '{fx.id}' is also used by {seen[fx.id]}", file=fx.file,
                line=fx.doc.line_of(("id",)), kind="duplicate", hint="give every fixture its own id")))
            continue
        seen[fx.id] = fx.file
        fixtures.append(fx)
    return fixtures, problems


def run_fixture(engine: Engine, fx: Fixture) -> Result:
    try:
        a = engine.assess(fx.incident, fx.as_of)
    except InputError as exc:
        return Result(fx, [f"assessment failed: {exc}"])
    fails = check(a, fx.expect)
    if "drafts" in fx.expect:
        fails += check_drafts(fx.incident, a, fx.expect["drafts"])
    return Result(fx, fails, a)


def check_drafts(incident: Doc, a: dict, expect: dict) -> list[str]:
    """The drafts (engine/drafts) of the documents the law requires: the items each fills and the
    text it must (not) contain."""
    from .drafts import build
    from .drafts.markdown import render
    today = _dt.date.fromisoformat(expect["today"]) if "today" in expect else None
    fails: list[str] = []
    for kind in ("report", "notice", "publication"):
        want = expect.get(kind)
        if want is None:
            continue
        try:
            d = build(kind, incident, a, variant=want.get("variant"), today=today)
        except InputError as exc:
            fails.append(f"draft {kind}: {exc}")
            continue
        for item, state in want.get("items", {}).items():
            got = d.items.get(item, "absent")
            if got != state:
                fails.append(f"draft {kind}: item {item} expected {state}, got {got}")
        text = render(d)
        lines = text.splitlines()
        for words in want.get("contains", []):
            if not any(words in ln for ln in lines):
                fails.append(f"draft {kind}: no line contains {words!r}")
        for words in want.get("lacks", []):
            if words in text:
                fails.append(f"draft {kind}: contains {words!r}")
    return fails


def check(a: dict, expect: dict) -> list[str]:
    a = expand(a)
    fails: list[str] = []
    concl = {c["code"]: c for c in a["conclusions"]}
    rules = {}
    for c in a["conclusions"]:
        for r in c["rules"]:
            rules[r["id"]] = r
        for e in c["exceptions"]:
            rules.setdefault(e["rule"], {"id": e["rule"], "status": e["status"], "citations": e["citations"]})

    def status_of(code: str) -> str:
        return concl[code]["status"] if code in concl else "not in force"

    for code, want in expect.get("conclusions", {}).items():
        got = status_of(code)
        if got != want:
            fails.append(f"conclusion {code}: expected {want}, got {got}")
    for rid in expect.get("rules_hold", []):
        got = rules.get(rid, {}).get("status", "not in force")
        if got != "holds":
            fails.append(f"rule {rid}: expected to hold, it is {got}")
    for rid in expect.get("rules_do_not_hold", []):
        got = rules.get(rid, {}).get("status", "not in force")
        if got == "holds":
            fails.append(f"rule {rid}: expected not to hold, but it holds")
    applied = {d for r in rules.values() for d in r.get("defeated_by", [])}
    for rid in expect.get("exceptions_applied", []):
        if rid not in applied:
            fails.append(f"exception {rid}: expected to defeat a rule, it did not")
    cited = {cit["key"] for r in rules.values() if r.get("status") in ("holds", "open")
             for cit in r.get("citations", [])}
    for key in expect.get("citations", []):
        if key not in cited:
            fails.append(f"citation {key}: not cited by any rule that holds or is open")
    asked = {q["fact"] for q in a["questions"]}
    for fact in expect.get("questions", []):
        if fact not in asked:
            fails.append(f"question about {fact}: not asked (asked: {', '.join(sorted(asked)) or 'nothing'})")
    if "notices" in expect:            # coming changes (rules/pending/) the assessment carries
        got = sorted(n["id"] for n in a.get("notices", []))
        if got != sorted(expect["notices"]):
            fails.append(f"notices: expected {sorted(expect['notices'])}, got {got}")
    if expect.get("no_questions") and asked:
        fails.append(f"expected no questions, but asked about: {', '.join(sorted(asked))}")
    reviewed = {r["rule"] for r in a["reviews"]}
    for rid in expect.get("reviews", []):
        if rid not in reviewed:
            fails.append(f"review of {rid}: not flagged (flagged: {', '.join(sorted(reviewed)) or 'nothing'})")
    for code, want in expect.get("unless", {}).items():
        got = concl.get(code, {}).get("unless", [])
        if sorted(want) != sorted(got):
            fails.append(f"{code}: expected to be open only through {sorted(want)}, got {got}")
    for code, want in expect.get("since", {}).items():
        got = concl.get(code, {}).get("since")
        if got != want:
            fails.append(f"{code}: expected to hold since {want}, got {got}")
    for code, want in expect.get("deadlines", {}).items():
        d = concl.get(code, {}).get("deadline")
        got = (d or {}).get("due") or "unknown"
        if got != want:
            fails.append(f"deadline {code}: expected {want}, got {got}")
    for code, want in expect.get("windows", {}).items():
        w = concl.get(code, {}).get("window") or {}
        if (w.get("from"), w.get("to")) != (want["from"], want["to"]):
            fails.append(f"window {code}: expected {want['from']}..{want['to']}, "
                         f"got {w.get('from')}..{w.get('to')}")
    for code, want in expect.get("done", {}).items():
        got = concl.get(code, {}).get("done")
        if got is not want:
            fails.append(f"{code}: expected done={want}, got {got}")
    for code, want in expect.get("values", {}).items():
        vals = concl.get(code, {}).get("values", {})
        for k, v in want.items():
            got = _project(vals.get(k), v)
            if got != v:
                fails.append(f"value {code}.{k}: expected {v!r}, got {got!r}")
    return fails


def _project(actual, expected):
    """A list of numbers in a fixture stands for a list of numbered items (their `no`)."""
    if (isinstance(expected, list) and isinstance(actual, list)
            and all(not isinstance(x, (dict, list)) for x in expected)
            and actual and all(isinstance(x, dict) and "no" in x for x in actual)):
        return [x["no"] for x in actual]
    return actual
