"""Load the knowledge base: rules/kb.yaml plus every rule file under rules/, validated.

Schema errors and semantic errors (duplicate ids, unknown references, overlapping versions,
parameters with gaps, undeclared conclusions) are collected across all files and raised together,
each with its file and line, so an editor sees every problem in one run.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import citations as _cit
from .conditions import normalise
from .errors import InputError, InputErrors, group_root_causes
from . import kbchecks
from .model import (KB, Citation, ConclusionDef, Parameter, ParamVersion, Rule, RuleVersion,
                    Section, Unit)
from .paths import RULES_DIR, display
from .schemas import suggest, validate_doc
from .vocabulary import vocabulary
from . import pending as _pending
from . import scope as _scope
from .yamlio import Doc, load_yaml

MANIFEST = "kb.yaml"


# rules/drafts/ holds the templates of the documents the law requires (schemas/draft.schema.json),
# read by engine/drafts, not rules
DRAFTS = "drafts"


def rule_files(root: Path = RULES_DIR) -> list[Path]:
    # rules/pending/ holds coming changes (engine/pending.py), read with the KB but not rules
    return sorted(p for p in root.rglob("*.yaml")
                  if p.name != MANIFEST and p.relative_to(root).parts[0] not in (DRAFTS, _pending.FOLDER))


def _date(s: str | None) -> _dt.date | None:
    return _dt.date.fromisoformat(s) if s else None


def load_kb(root: Path = RULES_DIR) -> KB:
    errors: list[InputError] = []
    manifest = load_yaml(root / MANIFEST, display(root / MANIFEST))
    validate_doc(manifest, "kb")
    m = manifest.data
    namer = _cit.CitationNamer(m["sources"], m["citation_parts"], m["clause_format"])
    sections = {s["id"]: _section(s, i) for i, s in enumerate(m["sections"])}

    # The KB hash is over each file's canonical content (keys sorted, rules/parameters/conclusions
    # sorted by id): the same law written in another order is the same KB; any change of content,
    # quote or date is a different one. Comments are not law and do not count.
    hasher = hashlib.sha256()
    hasher.update(b"kb.yaml\0" + _canonical(manifest.data))
    file_hashes = {MANIFEST: hashlib.sha256(_canonical(manifest.data)).hexdigest()}
    docs: list[Doc] = []
    files = [MANIFEST]
    dropped: dict[str, InputError] = {}     # id -> the error that kept its file out

    def read(path: Path, schema: str) -> tuple[Doc | None, list[InputError]]:
        """Load and check one file of the KB; a good one counts in the KB's hash."""
        rel = path.relative_to(root).as_posix()
        files.append(rel)
        try:
            doc = load_yaml(path, display(path))
            validate_doc(doc, schema)
        except InputError as exc:
            found = exc.errors if isinstance(exc, InputErrors) else [exc]
            errors.extend(found)
            return None, found
        canonical = _canonical(doc.data)
        hasher.update(rel.encode() + b"\0" + canonical)
        file_hashes[rel] = hashlib.sha256(canonical).hexdigest()
        return doc, []

    for path in rule_files(root):
        doc, found = read(path, "rule")
        if doc is None:
            for ident in _ids_written_in(path):
                dropped.setdefault(ident, found[0])
        else:
            docs.append(doc)

    pending_docs: list[tuple[Doc, dict]] = []
    for path in _pending.files(root):
        doc, _found = read(path, "pending")
        if doc is not None:
            pending_docs.append((doc, dict(doc.data, file=doc.path)))

    units: dict[str, Unit] = {}
    rules: dict[str, Rule] = {}
    params: dict[str, Parameter] = {}
    concls: dict[str, ConclusionDef] = {}
    seen: dict[str, tuple[str, str, int | None]] = {}   # id -> (what, file, line)
    groups_written: list[tuple[Doc, int, dict, str]] = []
    param_places: dict[str, tuple[Parameter, Doc, tuple]] = {}
    labelled: list[tuple[str, dict, list, Doc, tuple]] = []

    def claim(what: str, ident: str, doc: Doc, path: tuple) -> bool:
        if ident in seen:
            w, f, ln = seen[ident]
            errors.append(doc.error(path, f"{what} id '{ident}' is already used by a {w} at {f}:{ln}",
                                    "ids must be unique across the knowledge base", kind="duplicate"))
            return False
        seen[ident] = (what, doc.path, doc.line_of(path))
        return True

    for doc in docs:
        d = doc.data
        u = d["unit"]
        if u["id"] in units:
            errors.append(doc.error(("unit", "id"), f"unit id '{u['id']}' is already used by "
                                    f"{units[u['id']].file}", "each file encodes its own unit",
                                    kind="duplicate"))
        units[u["id"]] = Unit(u["id"], u["title"], u["source_type"], u, doc.path)
        for i, c in enumerate(d.get("conclusions", [])):
            p = ("conclusions", i)
            if c["code"] in concls:
                prev = concls[c["code"]]
                errors.append(doc.error(p + ("code",), f"conclusion '{c['code']}' is already declared "
                                        f"at {prev.file}:{prev.line}", kind="duplicate"))
                continue
            if c["section"] not in sections:
                errors.append(doc.error(p + ("section",), f"unknown section '{c['section']}'",
                                        _did_you_mean(c["section"], sections), kind="reference"))
            concls[c["code"]] = ConclusionDef(
                c["code"], c["label"], c["section"], c.get("order", 1000), c.get("headline", False),
                c.get("show", "always" if c.get("headline") else "when_holds"),
                c.get("negative_label"), doc.path, doc.line_of(p), list(c.get("labels", [])))
            errors.extend(_overlaps([_Dated(_date(x["valid_from"]), _date(x.get("valid_to")))
                                     for x in c.get("labels", [])], doc, p,
                                    f"labels of conclusion '{c['code']}'", key="labels"))
            labelled.append((f"conclusion {c['code']}", c["label"], list(c.get("labels", [])),
                             doc, p + ("label",)))
        for i, g in enumerate(d.get("groups", [])):
            if claim("group", g["id"], doc, ("groups", i, "id")):
                groups_written.append((doc, i, g, u["id"]))
        for i, pdata in enumerate(d.get("parameters", [])):
            p = ("parameters", i)
            if not claim("parameter", pdata["id"], doc, p + ("id",)):
                continue
            versions = []
            for j, pv in enumerate(pdata["versions"]):
                vp = p + ("versions", j)
                versions.append(ParamVersion(
                    _date(pv["valid_from"]), _date(pv.get("valid_to")), pv["value"],
                    _citations(pv["citations"], doc, vp + ("citations",), namer, errors),
                    doc.line_of(vp)))
            errors.extend(_overlaps(versions, doc, p, f"parameter '{pdata['id']}'"))
            params[pdata["id"]] = Parameter(pdata["id"], pdata["label"], pdata.get("unit"),
                                            versions, doc.path, doc.line_of(p),
                                            pdata.get("constraints"))
            param_places[pdata["id"]] = (params[pdata["id"]], doc, p)
        for i, r in enumerate(d.get("rules", [])):
            p = ("rules", i)
            if not claim("rule", r["id"], doc, p + ("id",)):
                continue
            versions = []
            numbers = set()
            for j, v in enumerate(r["versions"]):
                vp = p + ("versions", j)
                if v["version"] in numbers:
                    errors.append(doc.error(vp + ("version",), f"rule '{r['id']}' has two versions "
                                            f"numbered {v['version']}", "number versions 1, 2, 3, ...",
                                            kind="version"))
                numbers.add(v["version"])
                versions.append(RuleVersion(
                    r["id"], v["version"], _date(v["valid_from"]), _date(v.get("valid_to")),
                    _citations(v["citations"], doc, vp + ("citations",), namer, errors),
                    v["when"], v["then"], [x for x in v.get("defeats", []) if isinstance(x, str)],
                    v.get("judgment"), v.get("note"), doc.path, doc.line_of(vp), vp + ("when",),
                    list(v.get("defeats", [])), v.get("label")))
            errors.extend(_overlaps(versions, doc, p, f"rule '{r['id']}'"))
            labelled.append((f"rule {r['id']}", r["label"], [], doc, p + ("label",)))
            rules[r["id"]] = Rule(r["id"], r["label"], r.get("kind", "provision"),
                                  sorted(versions, key=lambda v: v.valid_from), u["id"],
                                  doc.path, doc.line_of(p))

    docs_by_path = {doc.path: doc for doc in docs}
    groups, errs = kbchecks.build_groups(groups_written, rules)
    errors += errs
    errors += kbchecks.expand_defeats(rules, groups, docs_by_path)
    errors += kbchecks.check_groups(groups, rules, docs_by_path)
    errors += kbchecks.check_parameters(param_places, m.get("parameter_units", {}))
    errors += kbchecks.check_labels(labelled, rules, params)
    errors.extend(_check_references(rules, params, concls, docs_by_path))
    errors.extend(_pending.check(pending_docs, rules, concls))
    scope_errors, scope_warnings = _scope.check_scope(manifest, units, concls)
    errors.extend(scope_errors)
    labelled = set(m.get("value_labels", {}))
    for rule in rules.values():
        for v in rule.versions:
            for key in sorted(set(v.then.get("values", {})) - labelled):
                errors.append(docs_by_path[v.file].error(
                    v.when_path[:-1] + ("then", "values", key), f"value '{key}' has no label",
                    f"add '{key}: {{ja: …, en: …}}' under value_labels in rules/kb.yaml",
                    kind="reference"))
    if errors:
        errors = group_root_causes(errors, dropped)
        raise InputErrors(errors) if len(errors) > 1 else errors[0]
    kb = m["kb"]
    warnings = [f"{c.file}:{c.line}: unverified citation {c.key} (in {ref})" + _why_unverified(c)
                for ref, c in sorted(_all_citations(rules, params),
                                     key=lambda rc: (rc[1].file, rc[1].line or 0, rc[0]))
                if c.status == "unverified"] + scope_warnings
    done = kb.get("actions_done_fact")
    if done and (vocabulary().get(done) is None or vocabulary().get(done).kind != "set"):
        raise manifest.error(("kb", "actions_done_fact"), f"'{done}' is not a list fact of the vocabulary",
                             "name a set fact of schemas/incident.schema.json", kind="reference")
    return KB(kb["id"], kb["version"], kb["title"], kb["as_of_facts"], m["sources"], sections,
              units, rules, params, concls, hasher.hexdigest(), files, list(dict.fromkeys(warnings)),
              done, m.get("documented_examples", {}).get("items", []), m.get("value_labels", {}),
              docs_by_path, m["citation_parts"], groups, Path(root).resolve(), file_hashes,
              m.get("scope"), [rec for _doc, rec in pending_docs])


_WRITTEN_ID = re.compile(r"(?:^|[\s{,])(?:id|code|conclude):\s*['\"]?([a-z0-9][a-z0-9_.-]*[a-z0-9])", re.M)


def _ids_written_in(path: Path) -> set[str]:
    """The ids, codes and concluded codes a file that failed to load appears to define, read from
    its text: references to them elsewhere fail only because this file did."""
    try:
        return set(_WRITTEN_ID.findall(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return set()


def _about(err: InputError, ident: str) -> InputError:
    err.about = ident
    return err


def _why_unverified(c: Citation) -> str:
    """The citation's own reason, shortened: a warning stays one line."""
    why = (c.data.get("unverified_reason") or {}).get("en")
    if not why:
        return ""
    return ": " + (why if len(why) <= 80 else why[:79] + "…")


def _canonical(data: dict) -> bytes:
    import json
    data = dict(data)
    for key, ident in (("rules", "id"), ("parameters", "id"), ("conclusions", "code")):
        if key in data:
            data[key] = sorted(data[key], key=lambda x: x[ident])
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _section(s: dict, order: int) -> Section:
    return Section(s["id"], s["title"], order, tuple(s.get("needs_input", ())))


def _did_you_mean(word: str, options) -> str | None:
    guess = suggest(word, options)
    return f"did you mean '{guess}'?" if guess else None


def _citations(items: list[dict], doc: Doc, path: tuple, namer, errors) -> list[Citation]:
    out = []
    for i, c in enumerate(items):
        try:
            key, key_en = namer.key(c), namer.key(c, "en")
        except InputError as exc:
            errors.append(doc.error(path + (i,), exc.message, exc.hint, kind="citation"))
            continue
        out.append(Citation(c, key, key_en, doc.path, doc.line_of(path + (i,))))
    return out


@dataclass
class _Dated:
    valid_from: _dt.date
    valid_to: _dt.date | None


def _overlaps(versions, doc: Doc, path: tuple, what: str, key: str = "versions") -> list[InputError]:
    errs = []
    for j, v in enumerate(versions):
        if v.valid_to and v.valid_to < v.valid_from:
            errs.append(doc.error(path + (key, j, "valid_to"),
                                  f"{what}: valid_to {v.valid_to} is before valid_from {v.valid_from}",
                                  "valid_to is the last day the version is in force: make it "
                                  "valid_from or later, or swap the two dates", kind="version"))
    ordered = sorted(versions, key=lambda v: v.valid_from)
    for a, b in zip(ordered, ordered[1:]):
        if a.valid_to is None or a.valid_to >= b.valid_from:
            errs.append(doc.error(path + (key,),
                                  f"{what}: versions overlap (one from {a.valid_from} "
                                  f"{'with no end' if a.valid_to is None else 'to ' + str(a.valid_to)}, "
                                  f"the next from {b.valid_from})",
                                  "end the earlier version (valid_to) the day before the next begins",
                                  kind="version"))
    return errs


def param_value(param, day: _dt.date):
    for pv in param.versions:
        if pv.valid_from <= day and (pv.valid_to is None or day <= pv.valid_to):
            return pv
    return None


def _check_references(rules, params, concls, docs) -> list[InputError]:
    errs: list[InputError] = []
    vocab = vocabulary()
    concluded: set[str] = set()
    for rule in rules.values():
        for v in rule.versions:
            doc = docs[v.file]
            vpath = v.when_path[:-1]

            def err(path, message, hint=None, _doc=doc):
                return _doc.error(path, message, hint, kind="reference")

            def lookup(pid: str, path: tuple, _v=v, _err=err):
                return _param_for_version(pid, path, _v, params, _err)

            code = v.then["conclude"]
            concluded.add(code)
            if code not in concls:
                errs.append(_about(err(vpath + ("then", "conclude"), f"conclusion '{code}' is not declared",
                                _did_you_mean(code, concls) or
                                "declare it under 'conclusions:' in the file of the provision that defines it"),
                                code))
            for target in v.defeats:
                if target not in rules:
                    errs.append(_about(err(vpath + ("defeats",), f"'defeats' names unknown rule '{target}'",
                                    _did_you_mean(target, rules)), target))
                elif target == rule.id:
                    errs.append(err(vpath + ("defeats",), "a rule cannot defeat itself"))
            try:
                tree = normalise(v.when, v.when_path, vocab, lookup, err)
            except InputError as exc:
                errs.append(exc)
                continue
            from .conditions import literals
            for lit in literals(tree):
                if lit.kind == "concl" and lit.name not in concls:
                    errs.append(_about(err(lit.path + ("conclusion",), f"unknown conclusion '{lit.name}'",
                                    _did_you_mean(lit.name, concls)), lit.name))
            errs.extend(_check_then(v, vpath + ("then",), params, concls, vocab, err))
    for code, c in concls.items():
        if code not in concluded:
            errs.append(InputError(f"conclusion '{code}' is declared but no rule concludes it",
                                   file=c.file, line=c.line, kind="reference", about=code,
                                   hint="add a rule with 'then: {conclude: " + code + "}' or remove it"))
    return errs


def _param_for_version(pid: str, path: tuple, v: RuleVersion, params, err) -> Any:
    if pid not in params:
        raise _about(err(path, f"unknown parameter '{pid}'", _did_you_mean(pid, params)), pid)
    p = params[pid]
    pv = param_value(p, v.valid_from)
    if pv is None:
        raise err(path, f"parameter '{pid}' has no value in force on {v.valid_from}, "
                        f"when version {v.version} of rule '{v.rule_id}' begins",
                  "add a parameter version that covers this date")
    # every parameter change inside the rule version's life must be covered too
    end = v.valid_to
    for other in p.versions:
        if other.valid_to and other.valid_to >= v.valid_from and (end is None or other.valid_to < end):
            nxt = other.valid_to + _dt.timedelta(days=1)
            if param_value(p, nxt) is None:
                raise err(path, f"parameter '{pid}' has no value in force on {nxt}, inside the "
                                f"life of rule '{v.rule_id}' version {v.version}",
                          "close the gap between the parameter's versions")
    return pv.value


def _check_then(v: RuleVersion, path: tuple, params, concls, vocab, err) -> list[InputError]:
    errs = []
    then = v.then

    def check_param(ref, p):
        if isinstance(ref, dict) and "param" in ref:
            try:
                _param_for_version(ref["param"], p + ("param",), v, params, err)
            except InputError as exc:
                errs.append(exc)

    def check_date_expr(expr, p):
        if "fact" in expr:
            f = vocab.get(expr["fact"])
            if f is None or f.kind != "date":
                errs.append(err(p + ("fact",), f"'{expr['fact']}' is not a date fact",
                                _did_you_mean(expr["fact"], [n for n, d in vocab.facts.items()
                                                             if d.kind == "date"])))
        elif "since" in expr:
            if expr["since"] not in concls:
                errs.append(_about(err(p + ("since",), f"unknown conclusion '{expr['since']}'",
                                _did_you_mean(expr["since"], concls)), expr["since"]))
        else:
            key = "latest_of" if "latest_of" in expr else "earliest_of"
            for i, e in enumerate(expr[key]):
                check_date_expr(e, p + (key, i))

    for key in ("deadline", "window"):
        if key in then:
            spec = then[key]
            check_date_expr(spec["start"], path + (key, "start"))
            for k in ("days", "from_day", "to_day", "convention"):
                if k in spec:
                    check_param(spec[k], path + (key, k))
    if "due_with" in then and then["due_with"] not in concls:
        errs.append(err(path + ("due_with",), f"unknown conclusion '{then['due_with']}'",
                        _did_you_mean(then["due_with"], concls)))
    for name, val in then.get("values", {}).items():
        if isinstance(val, dict) and "fact" in val and vocab.get(val["fact"]) is None:
            errs.append(err(path + ("values", name, "fact"), f"unknown fact '{val['fact']}'",
                            _did_you_mean(val["fact"], vocab.facts)))
        check_param(val, path + ("values", name))
    return errs


def _all_citations(rules, params):
    for rule in rules.values():
        for v in rule.versions:
            for c in v.citations:
                yield v.ref, c
    for p in params.values():
        for pv in p.versions:
            for c in pv.citations:
                yield p.id, c
