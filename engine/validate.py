"""Validation of everything an editor writes: the knowledge base, fixtures and incidents.

One job: collect every problem (an `InputError` with file, line and what to do) and every warning
(unverified citations), so `appi-kb validate` can show them all in one run. Nothing is assessed.

The knowledge base is loaded (schemas, references, version overlaps, parameter gaps) and then
compiled on every date where a rule or parameter version starts or ends, because the set of rules in
force changes only on those dates: a stratification cycle or an engine-limit violation that exists
on any day exists on one of them.
"""
from __future__ import annotations

import datetime as _dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .compile import compile_kb, engine_usage
from .errors import InputError, InputErrors, quote
from .facts import incident_facts
from .fixtures import Fixture, fixture_files, load_fixture
from .kbload import MANIFEST, load_kb, rule_files
from .model import KB
from .paths import FIXTURES_DIR, PROJECT_ROOT, RULES_DIR, display
from .schemas import suggest, validate_doc
from .sources import check_kb_quotes, load_sources
from .vocabulary import vocabulary
from .yamlio import Doc, load_yaml

EXAMPLES_DIR = PROJECT_ROOT / "examples"
KINDS = {"rule.schema.json": "rule", "kb.schema.json": "kb",
         "fixture.schema.json": "fixture", "incident.schema.json": "incident",
         "draft.schema.json": "draft", "pending.schema.json": "pending"}


@dataclass
class Report:
    errors: list[InputError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)      # unverified citations
    notes: list[str] = field(default_factory=list)         # what was not (fully) checked, and why
    checked: Counter = field(default_factory=Counter)     # kind -> files checked
    compiled_on: list[_dt.date] = field(default_factory=list)
    kb_label: str = ""                                     # the KB checked: id version (where)
    engine: dict = field(default_factory=dict)             # engine limit -> (most used, where, day)

    def add(self, exc: InputError) -> None:
        self.errors.extend(exc.errors if isinstance(exc, InputErrors) else [exc])

    def sorted_errors(self) -> list[InputError]:
        seen, out = set(), []
        for e in sorted(self.errors, key=lambda e: (e.file or "", e.line or 0, e.message)):
            if str(e) not in seen:
                seen.add(str(e))
                out.append(e)
        return out


# ---- the knowledge base -----------------------------------------------------------------------
def boundary_dates(kb: KB) -> list[_dt.date]:
    """Every date on which the set of rule or parameter versions in force can change."""
    days: set[_dt.date] = set()
    versions = [v for r in kb.rules.values() for v in r.versions]
    versions += [pv for p in kb.parameters.values() for pv in p.versions]
    for v in versions:
        days.add(v.valid_from)
        if v.valid_to:
            days.add(v.valid_to + _dt.timedelta(days=1))
    return sorted(days)


def check_kb(root: Path, report: Report) -> KB | None:
    """Load and compile the knowledge base under `root`; return it when it loads."""
    report.checked["rule"] += len(rule_files(root))
    report.checked["kb"] += 1
    try:
        kb = load_kb(root)
    except InputError as exc:
        report.add(exc)
        return None
    report.warnings.extend(kb.warnings)
    check_quotes(kb, report)
    check_release(kb, report)
    if not report.kb_label:
        from .paths import where
        report.kb_label = f"{kb.id} {kb.version} ({where(kb.root)})"
    for day in boundary_dates(kb):
        if not any(r.version_on(day) for r in kb.rules.values()):
            continue                      # after every rule has ended: nothing to compile
        report.compiled_on.append(day)
        try:
            usage = engine_usage(compile_kb(kb, day))
            for key, (amount, what) in usage.items():
                if key not in report.engine or amount > report.engine[key][0]:
                    report.engine[key] = (amount, what, day)
        except InputError as exc:
            for e in (exc.errors if isinstance(exc, InputErrors) else [exc]):
                report.add(_on_day(e, day))
    return kb


def check_release(kb: KB, report: Report) -> None:
    """The KB against its release lock (engine/release.py): no released version changed in place,
    no content changed under a released kb.version."""
    from . import release
    try:
        state = release.check(kb)
    except InputError as exc:
        report.add(exc)
        return
    for err in state.errors:
        report.add(err)
    report.notes.extend(state.notes)


def check_drafts(rules_dir: Path, report: Report) -> None:
    """The templates of the drafts (rules/drafts/): schema, facts and conditions they name."""
    from .drafts import template_files
    for path in template_files(rules_dir / "drafts"):
        report.checked["draft"] += 1
        check_draft_file(path, report)


def check_draft_file(path: Path, report: Report) -> None:
    from .drafts import check_template
    try:
        doc = load_yaml(path, display(path))
        validate_doc(doc, "draft")
        check_template(doc)
    except InputError as exc:
        report.add(exc)


def check_quotes(kb: KB, report: Report) -> None:
    """Every `official` quote must be in the official text it names (sources/)."""
    try:
        sources = load_sources()
    except InputError as exc:
        report.add(exc)
        return
    for err in check_kb_quotes(kb, sources):
        report.add(err)


def _on_day(err: InputError, day: _dt.date) -> InputError:
    """Say on which date a compile error arises, unless the message already does."""
    if str(day) in err.message:
        return err
    return InputError(f"{err.message} (with the rules in force on {day})", file=err.file,
                      line=err.line, hint=err.hint, kind=err.kind)


# ---- incidents and fixtures ------------------------------------------------------------------
def check_incident_doc(doc: Doc, report: Report) -> None:
    try:
        validate_doc(doc, "incident")
        incident_facts(doc)               # dates that contradict each other, counts below bounds
    except InputError as exc:
        report.add(exc)


def check_fixture(path: Path, kb: KB | None, report: Report) -> Fixture | None:
    try:
        fx = load_fixture(path)
        incident_facts(fx.incident)
    except InputError as exc:
        report.add(exc)
        return None
    if kb is not None:
        for err in expectation_errors(fx, kb) + source_errors(fx, kb):
            report.add(err)
    return fx


# the fields of a fixture's `source` that identify a clause, in the order they narrow it
_CLAUSE_FIELDS = ("type", "law_id", "article", "paragraph", "item", "part", "section", "document",
                  "question")


def source_errors(fx: Fixture, kb: KB) -> list[InputError]:
    """A fixture's source must be something the KB knows: a seed example of the deck, or a clause,
    Q&A or ruling that some rule cites (so an auditor can go from the fixture to the rule)."""
    src = fx.source
    kind = fx.source_type
    if kind != "seed_example" and ("seed_example" in src or "seed_line" in src):
        key = "seed_example" if "seed_example" in src else "seed_line"
        return [fx.doc.error(("source", key), f"source: {key} belongs to a seed-example source, "
                             f"not to a {kind} source",
                             "write type: seed_example, or drop the seed-deck reference and name "
                             f"the {kind} itself", kind="reference")]
    if kind == "seed_example":
        known = [e["id"] for e in kb.documented_examples]
        if src["seed_example"] in known:
            return []
        guess = suggest(src["seed_example"], known)
        return [fx.doc.error(("source", "seed_example"),
                             f"source: {src['seed_example']} is not a documented example of the deck",
                             f"did you mean '{guess}'?" if guess else
                             "see documented_examples in rules/kb.yaml", kind="reference")]
    if kind == "case":
        want = (src["case"]["court"], src["case"]["date"])
        if any(c.data.get("type") == "case" and (c.data["case"]["court"], c.data["case"]["date"]) == want
               for _, c in kb.all_citations()):
            return []
        return [fx.doc.error(("source", "case"), f"source: no rule cites the ruling of {want[0]} {want[1]}",
                             "name a ruling the knowledge base cites (see `appi-kb rules`), or "
                             "write the fixture as type: scenario", kind="reference")]
    if kind == "amendment":
        known = [p["id"] for p in kb.pending]
        if src["amendment"] in known:
            return []
        guess = suggest(src["amendment"], known)
        return [fx.doc.error(("source", "amendment"), f"source: no pending amendment '{src['amendment']}'",
                             f"did you mean '{guess}'?" if guess else
                             "name the id of a record under rules/pending/", kind="reference")]
    if kind in ("statute", "cabinet_order", "regulation", "guideline", "qa"):
        given = {k: src[k] for k in _CLAUSE_FIELDS if k in src}
        if any(all(c.data.get(k) == v for k, v in given.items()) for _, c in kb.all_citations()):
            return []
        what = ", ".join(f"{k} {v}" for k, v in given.items())
        return [fx.doc.error(("source",), f"source: no rule of the knowledge base cites {what}",
                             "cite a clause the rules cite (see `appi-kb cite`), or add the rule "
                             "that encodes it", kind="reference")]
    return []


def expectation_errors(fx: Fixture, kb: KB) -> list[InputError]:
    """Names in `expect:` that the knowledge base does not know: such an expectation could never
    be met, or (for rules_do_not_hold) would always be met and test nothing."""
    errs: list[InputError] = []
    exp = fx.expect
    facts = vocabulary().facts
    clause_keys = {c.key for _, c in kb.all_citations()}

    def check(section: str, names: list[str] | dict, known, what: str) -> None:
        # a mapping's names are its keys (each has a line); a list's are its items (by index)
        keyed = list(names) if isinstance(names, dict) else list(enumerate(names))
        for entry in keyed:
            key, name = (entry, entry) if isinstance(names, dict) else entry
            if name in known:
                continue
            guess = suggest(name, known)
            path = ("expect", *section.split("."), key)
            errs.append(fx.doc.error(path, f"expect.{section}: unknown {what} {quote(name)}",
                                     f"did you mean '{guess}'?" if guess else
                                     f"use a {what} of the knowledge base (see `appi-kb rules`)",
                                     kind="reference"))

    for section in ("conclusions", "unless", "since", "deadlines", "windows", "values"):
        check(section, exp.get(section, {}), kb.conclusions, "conclusion code")
    for section in ("rules_hold", "rules_do_not_hold", "exceptions_applied", "reviews"):
        check(section, exp.get(section, []), kb.rules, "rule id")
    for code, ids in exp.get("unless", {}).items():
        check(f"unless.{code}", ids, kb.rules, "rule id")
    check("questions", exp.get("questions", []), facts, "fact name")
    check("citations", exp.get("citations", []), clause_keys, "clause key")
    return errs


def check_fixtures(paths: list[Path] | None, kb: KB | None, report: Report) -> None:
    seen: dict[str, str] = {}
    for path in fixture_files(paths):
        report.checked["fixture"] += 1
        fx = check_fixture(path, kb, report)
        if fx is None:
            continue
        if fx.id in seen:
            report.add(fx.doc.error(("id",), f"fixture id '{fx.id}' is also used by {seen[fx.id]}",
                                    "give every fixture its own id", kind="duplicate"))
        seen.setdefault(fx.id, fx.file)


# ---- entry points ----------------------------------------------------------------------------
def validate_project(rules_dir: Path = RULES_DIR, fixtures_dir: Path = FIXTURES_DIR,
                     examples_dir: Path = EXAMPLES_DIR) -> Report:
    """The whole project: the KB on every boundary date, every fixture, every example incident."""
    report = Report()
    kb = check_kb(rules_dir, report)
    check_drafts(rules_dir, report)
    if fixtures_dir.is_dir():
        check_fixtures([fixtures_dir], kb, report)
    if examples_dir.is_dir():
        for path in sorted(examples_dir.rglob("*.yaml")):
            _check_incident_file(path, report)
    return report


def validate_paths(paths: list[Path], rules_dir: Path = RULES_DIR) -> Report:
    """Given files (or folders of *.yaml): each checked as what its `$schema` says it is.

    A rule file or the manifest inside a knowledge base (a folder above it holds kb.yaml) makes
    the whole knowledge base be loaded and compiled, since a rule is only valid among the others.
    """
    report = Report()
    kb_roots: dict[Path, KB | None] = {}
    fixtures: list[Path] = []
    for path in _expand(paths):
        try:
            doc = load_yaml(path, display(path))
            kind = kind_of(doc)
        except InputError as exc:
            report.checked["file"] += 1
            report.add(exc)
            continue
        if kind in ("rule", "kb", "pending"):      # a pending record is read with its KB
            root = kb_root(path)
            if root is None:
                report.checked[kind] += 1
                report.notes.append(f"{doc.path}: not inside a knowledge base (no {MANIFEST} in a "
                                       "folder above it): checked against the schema only")
                try:
                    validate_doc(doc, kind)
                except InputError as exc:
                    report.add(exc)
            elif root not in kb_roots:
                kb_roots[root] = check_kb(root, report)
        elif kind == "fixture":
            fixtures.append(path)
        elif kind == "draft":
            report.checked["draft"] += 1
            check_draft_file(path, report)
        else:
            report.checked["incident"] += 1
            check_incident_doc(doc, report)
    if fixtures:
        kb = next((k for k in kb_roots.values() if k is not None), None)
        if kb is None and not kb_roots:
            kb = _project_kb(rules_dir)
        check_fixtures(fixtures, kb, report)
    return report


def _check_incident_file(path: Path, report: Report) -> None:
    report.checked["incident"] += 1
    try:
        doc = load_yaml(path, display(path))
    except InputError as exc:
        report.add(exc)
        return
    check_incident_doc(doc, report)


def _project_kb(rules_dir: Path = RULES_DIR) -> KB | None:
    """The project's KB, for checking fixture expectations; its own errors are `validate`'s job."""
    try:
        return load_kb(rules_dir)
    except InputError:
        return None


def _expand(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        out.extend(sorted(p.rglob("*.yaml")) if p.is_dir() else [p])
    return list(dict.fromkeys(out))


def kind_of(doc: Doc) -> str:
    """rule / kb / fixture / incident, from the document's `$schema` (none: an incident)."""
    if not isinstance(doc.data, dict) or "$schema" not in doc.data:
        return "incident"
    ref = doc.data["$schema"]
    name = ref.rsplit("/", 1)[-1] if isinstance(ref, str) else ""
    if name in KINDS:
        return KINDS[name]
    guess = suggest(name, KINDS)
    raise doc.error(("$schema",), f"$schema {quote(ref)} is not one of the project's schemas",
                    f"did you mean '{guess}'?" if guess else
                    "write the path of rule, kb, fixture or incident.schema.json", kind="schema")


def kb_root(path: Path) -> Path | None:
    """The nearest folder at or above `path` that holds a KB manifest."""
    for folder in Path(path).resolve().parents:
        if (folder / MANIFEST).is_file():
            return folder
    return None
