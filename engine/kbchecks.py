"""Checks that catch a knowledge base contradicting itself (issue 8).

Run by `kbload` after every file has loaded and before references are checked:
  groups       a group is the rules of a unit chosen by a rule (`members: {id_prefix, kind}`), so
               a rule added later belongs to it too. `defeats: [{group: id}]` is expanded here
               into the rule ids; a hand list that names some members of a group but not all is
               an error (the forgotten one is never defeated); every rule a group names under
               `read_by` must read the conclusion of every member in force beside it (a new 号
               that `reportable` ignores is an error).
  parameters   a numeric value must satisfy its unit's constraints (rules/kb.yaml
               `parameter_units`) and its own (`constraints:`); a number nothing constrains is an
               error; every version of a parameter has the same kind of value.
  labels       `{param:ID}` in a label must name a parameter; a label that states a number its
               parameter had in another version, but not the one in force, is stale.
Nothing here knows any law: the rules, numbers and words all come from the YAML.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any

from .errors import InputError
from .labels import numbers_in, placeholders
from .model import Group, Parameter, Rule, RuleVersion
from .schemas import suggest
from .yamlio import Doc


def _dym(word: str, options) -> str | None:
    guess = suggest(word, options)
    return f"did you mean '{guess}'?" if guess else None


def _overlap(a_from: _dt.date, a_to: _dt.date | None, b_from: _dt.date, b_to: _dt.date | None) -> bool:
    return (a_to is None or b_from <= a_to) and (b_to is None or a_from <= b_to)


def conclusions_read(node: Any) -> set[str]:
    """Every conclusion code a condition mentions (under any, all or not)."""
    if isinstance(node, dict):
        out = {node["conclusion"]} if isinstance(node.get("conclusion"), str) else set()
        for v in node.values():
            out |= conclusions_read(v)
        return out
    if isinstance(node, list):
        return set().union(*(conclusions_read(v) for v in node)) if node else set()
    return set()


# ---- groups ---------------------------------------------------------------------------------
def build_groups(written: list[tuple[Doc, int, dict, str]], rules: dict[str, Rule]
                 ) -> tuple[dict[str, Group], list[InputError]]:
    """Groups from (doc, index, data, unit id) as written; members chosen among the unit's rules."""
    groups: dict[str, Group] = {}
    errs: list[InputError] = []
    for doc, i, g, unit_id in written:
        path = ("groups", i)
        sel = g["members"]
        kinds = sel.get("kind")
        kinds = {kinds} if isinstance(kinds, str) else set(kinds or ())
        prefix = sel.get("id_prefix")
        members = sorted(r.id for r in rules.values()
                         if r.unit_id == unit_id and (prefix is None or r.id.startswith(prefix))
                         and (not kinds or r.kind in kinds))
        if not members:
            errs.append(doc.error(path + ("members",), f"group '{g['id']}' has no member: no rule of "
                                  f"unit '{unit_id}' has {_selector_text(sel)}",
                                  "correct id_prefix or kind, or remove the group", kind="reference"))
        groups[g["id"]] = Group(g["id"], g["label"], unit_id, dict(sel), members,
                                list(g.get("read_by", [])), doc.path, doc.line_of(path))
    return groups, errs


def _selector_text(sel: dict) -> str:
    parts = []
    if "id_prefix" in sel:
        parts.append(f"an id starting with '{sel['id_prefix']}'")
    if "kind" in sel:
        k = sel["kind"]
        parts.append(f"kind {k if isinstance(k, str) else ' or '.join(k)}")
    return " and ".join(parts)


def expand_defeats(rules: dict[str, Rule], groups: dict[str, Group], docs: dict[str, Doc]
                   ) -> list[InputError]:
    """Replace each {group: id} in `defeats` by the group's members (the rule itself excepted)."""
    errs: list[InputError] = []
    for rule in rules.values():
        for v in rule.versions:
            if not any(isinstance(d, dict) for d in v.defeats_written):
                continue
            out: list[str] = []
            for d in v.defeats_written:
                if isinstance(d, str):
                    out.append(d)
                    continue
                gid = d["group"]
                if gid not in groups:
                    errs.append(docs[v.file].error(v.when_path[:-1] + ("defeats",),
                                                   f"'defeats' names unknown group '{gid}'",
                                                   _dym(gid, groups) or "declare it under 'groups:' "
                                                   "in the file of its unit", kind="reference"))
                    continue
                out += [m for m in groups[gid].members if m != rule.id]
            v.defeats = list(dict.fromkeys(out))
    return errs


def check_groups(groups: dict[str, Group], rules: dict[str, Rule], docs: dict[str, Doc]
                 ) -> list[InputError]:
    errs: list[InputError] = []
    for g in sorted(groups.values(), key=lambda g: g.id):
        gdoc = docs[g.file]
        # every reader reads every member in force beside it
        for reader_id in g.read_by:
            if reader_id not in rules:
                errs.append(InputError(f"group '{g.id}': read_by names unknown rule '{reader_id}'",
                                       file=g.file, line=g.line, kind="reference",
                                       hint=_dym(reader_id, rules) or "name the rule that reads "
                                       "the group's conclusions", about=reader_id))
                continue
            reader = rules[reader_id]
            for rv in reader.versions:
                reads = conclusions_read(rv.when)
                for mid in g.members:
                    for mv in rules[mid].versions:
                        code = mv.then["conclude"]
                        if code in reads or not _overlap(rv.valid_from, rv.valid_to,
                                                         mv.valid_from, mv.valid_to):
                            continue
                        where = f"{rv.file}:{rv.line}" if rv.line else rv.file
                        errs.append(docs[mv.file].error(
                            mv.when_path[:-1] + ("then", "conclude"),
                            f"{mid} is one of group {g.id} ({_selector_text(g.selector)}), but "
                            f"{reader_id} (version {rv.version}), which reads the group, does not "
                            f"read conclusion '{code}'",
                            f"add '- conclusion: {code}' to the condition of {reader_id} at {where}; "
                            f"or, if {mid} is not one of the group, give it an id outside it",
                            kind="reference"))
        # a hand list that defeats some members but not all
        members = set(g.members)
        for rule in rules.values():
            for v in rule.versions:
                named = [d for d in v.defeats_written if isinstance(d, str) and d in members]
                if len(named) < 2:
                    continue
                beside = [m for m in g.members if m != rule.id and any(
                    _overlap(v.valid_from, v.valid_to, mv.valid_from, mv.valid_to)
                    for mv in rules[m].versions)]
                missing = [m for m in beside if m not in named]
                if missing:
                    errs.append(docs[v.file].error(
                        v.when_path[:-1] + ("defeats",),
                        f"{rule.id} defeats {len(named)} of the {len(beside)} rules of group {g.id} "
                        f"(not {', '.join(missing)})",
                        f"write `defeats: [{{group: {g.id}}}]` to defeat every rule of the group, "
                        "present and future; or name the missing ones", kind="reference"))
        del gdoc
    return errs


# ---- parameter values -------------------------------------------------------------------------
def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "list"
    return "mapping"


def check_parameters(params: dict[str, tuple[Parameter, Doc, tuple]], units: dict[str, dict]
                     ) -> list[InputError]:
    """params: id -> (parameter, its doc, its path in the doc)."""
    errs: list[InputError] = []
    for pid in sorted(params):
        p, doc, path = params[pid]
        unit_rule = units.get(p.unit or "", {})
        own = p.constraints or {}
        rules = {**unit_rule, **own}
        first = _kind(p.versions[0].value) if p.versions else None
        for j, pv in enumerate(p.versions):
            vpath = path + ("versions", j, "value")
            kind = _kind(pv.value)
            if kind != first:
                errs.append(doc.error(vpath, f"parameter '{pid}' version {j + 1} is {_article(kind)}, "
                                             f"but version 1 is {_article(first)}",
                                      "every version of a parameter holds the same kind of value: a "
                                      "rule compares with it the same way on every date",
                                      kind="constraint"))
                continue
            if kind != "number":
                if own:
                    errs.append(doc.error(path + ("constraints",), f"parameter '{pid}' has "
                                          f"constraints but its value is {_article(kind)}",
                                          "constraints apply to numbers: remove them",
                                          kind="constraint"))
                continue
            if not rules:
                errs.append(doc.error(vpath, f"parameter '{pid}' is a number but nothing says which "
                                             "numbers it may be",
                                      "add `constraints: {minimum: …}` (or `integer: true`, "
                                      "`maximum: …`) to the parameter, or a `unit:` that "
                                      "rules/kb.yaml lists under parameter_units",
                                      kind="constraint"))
                continue
            whence = (f"constraints of parameter '{pid}'" if own else
                      f"unit {p.unit} (rules/kb.yaml parameter_units)")
            v = pv.value
            problem = None
            if rules.get("integer") and not float(v).is_integer():
                problem = "a whole number"
            elif "minimum" in rules and v < rules["minimum"]:
                problem = f"at least {_num(rules['minimum'])}"
            elif "maximum" in rules and v > rules["maximum"]:
                problem = f"at most {_num(rules['maximum'])}"
            if problem:
                errs.append(doc.error(vpath, f"parameter '{pid}' version {j + 1}: {_num(v)} is not "
                                             f"allowed; it must be {problem}",
                                      f"correct the value (the rule is the {whence}: "
                                      f"{_rules_text(rules)})", kind="constraint"))
    return errs


def _num(v) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _article(kind: str | None) -> str:
    return {"number": "a number", "text": "a text", "list": "a list", "boolean": "true/false",
            "mapping": "a mapping"}.get(kind or "", str(kind))


def _rules_text(rules: dict) -> str:
    parts = []
    if rules.get("integer"):
        parts.append("whole numbers")
    if "minimum" in rules:
        parts.append(f"at least {_num(rules['minimum'])}")
    if "maximum" in rules:
        parts.append(f"at most {_num(rules['maximum'])}")
    return ", ".join(parts)


# ---- labels --------------------------------------------------------------------------------------
def check_labels(labelled: list[tuple[str, dict, list, Doc, tuple]], rules: dict[str, Rule],
                 params: dict[str, Parameter]) -> list[InputError]:
    """labelled: (what, base label, dated labels, doc, path of the label) for each conclusion
    ('conclusion CODE') and rule ('rule ID')."""
    errs: list[InputError] = []
    readers: dict[str, list[RuleVersion]] = {}
    for rule in rules.values():
        for v in rule.versions:
            readers.setdefault(v.then["conclude"], []).append(v)
    for what, base, dated_labels, doc, path in labelled:
        texts = [base] + list(dated_labels)
        for t in texts:
            for pid in placeholders(t):
                if pid not in params:
                    errs.append(doc.error(path, f"unknown parameter '{pid}' in a label",
                                          _dym(pid, params) or "write {param:ID} with the id of a "
                                          "parameter", kind="reference", ))
        # which parameters the label describes: those the rules behind it compare with
        kind, ident = what.split(" ", 1)
        versions = (readers.get(ident, []) if kind == "conclusion"
                    else list(rules[ident].versions))
        for v in versions:
            for pid in sorted(_param_refs(v.when)):
                p = params.get(pid)
                if p is None or any(_kind(pv.value) != "number" for pv in p.versions):
                    continue
                values = {pv.value for pv in p.versions}
                for pv in p.versions:
                    if not _overlap(v.valid_from, v.valid_to, pv.valid_from, pv.valid_to):
                        continue
                    day = max(v.valid_from, pv.valid_from)
                    text = _label_on(base, dated_labels, day)
                    said = {n for lang in ("ja", "en") for n in numbers_in(str(text.get(lang, "")))}
                    stale = sorted(n for n in said & values if n != pv.value)
                    if stale and pv.value not in said:
                        errs.append(doc.error(path, f"label of {kind} '{ident}' says {stale[0]:,} but "
                                                    f"{pid} is {pv.value:,} from {pv.valid_from}",
                                              f"write {{param:{pid}}} in the label for the value "
                                              "in force, or add a dated label under labels: from "
                                              f"{pv.valid_from}", kind="label"))
    return _unique(errs)


def _label_on(base: dict, dated_labels: list, day: _dt.date) -> dict:
    from .labels import dated
    return dated(base, dated_labels, day)


def _param_refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        if set(node) == {"param"} and isinstance(node["param"], str):
            return {node["param"]}
        return set().union(*(_param_refs(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_param_refs(v) for v in node)) if node else set()
    return set()


def _unique(errs: list[InputError]) -> list[InputError]:
    seen, out = set(), []
    for e in errs:
        if str(e) not in seen:
            seen.add(str(e))
            out.append(e)
    return out
