"""Citation look-up for auditors: which rules cite a clause, with the quote and their fixtures.

Clause names are read leniently: full- or half-width digits, 第…条 or …条, 但書/ただし書,
"Q6-12" or "Q&A Q6-12", "通則GL 3-5-3-4". A clause also finds the rules citing its parts
(規則7条 finds 規則7条1号 … 4号); an unknown clause gets the nearest known ones as suggestions.
"""
from __future__ import annotations

import difflib

from .citations import normalise_clause
from .errors import InputError, quote
from .model import KB
from .release import param_versions


def _keys(kb: KB) -> dict[str, str]:
    """normalised key -> canonical key, for every clause the KB cites."""
    out = {}
    for _ref, c in kb.all_citations():
        out.setdefault(normalise_clause(c.key), c.key)
    return out


def _is_part(query: str, key: str) -> bool:
    """Whether `key` is `query` itself or one of its parts (規則7条 ⊃ 規則7条1号, GL 3-5 ⊃ GL 3-5-3)."""
    if key == query:
        return True
    if not key.startswith(query):
        return False
    rest = key[len(query):]
    if query[-1:] in ("条", "項", "号"):
        return rest[:1].isdigit() or rest.startswith(("本文", "ただし書", "かっこ書", "前段", "後段", "の"))
    return rest.startswith("-")


def lookup(kb: KB, clause: str, fixture_hits: dict[str, list[str]] | None = None) -> dict:
    """Rules citing `clause` (or its parts), each with the citation and the fixtures it fires in.
    A rule or parameter id instead of a clause gives that rule's or parameter's citations."""
    if clause in kb.rules or clause in kb.parameters:
        return _by_id(kb, clause, fixture_hits)
    query = normalise_clause(clause)
    keys = _keys(kb)
    queries = [query]
    if query[:1].isdigit():          # no 法/規則/政令 prefix: try every law's short name
        queries = [s["short"]["ja"] + query for s in kb.sources if "law_id" in s["match"]]
    matched = sorted({canon for norm, canon in keys.items() if any(_is_part(q, norm) for q in queries)})
    if not matched:
        close = difflib.get_close_matches(query, list(keys), n=3, cutoff=0.5)
        hint = ("did you mean " + ", ".join(keys[c] for c in close) + "?") if close else \
            "list the cited clauses with `appi-kb coverage`"
        raise InputError(f"no rule cites {quote(clause)}", hint=hint, kind="value")
    entries = []
    for rule in sorted(kb.rules.values(), key=lambda r: r.id):
        for v in rule.versions:
            entries += [_rule_entry(kb, rule, v, c, fixture_hits) for c in v.citations
                        if c.key in matched]
    for p in sorted(kb.parameters.values(), key=lambda p: p.id):
        for ref, pv in param_versions(p):
            entries += [_param_entry(kb, p, ref, pv, c, fixture_hits) for c in pv.citations
                        if c.key in matched]
    entries.sort(key=lambda e: (e["clause"], e["rule"], e["version"]))
    return {"query": clause, "normalised": query, "clauses": matched, "citations": entries}


def _citation_fields(c) -> dict:
    return {"clause": c.key, "line": c.line, "quote": c.data["quote"], "status": c.status,
            "verified_on": c.data.get("verified_on"),
            "checked_against": c.data.get("checked_against"),
            "unverified_reason": c.data.get("unverified_reason"), "url": c.data.get("url")}


def _rule_entry(kb: KB, rule, v, c, fixture_hits) -> dict:
    out = {"rule": rule.id, "version": v.version, "label": kb.rule_label(rule.id),
           "valid_from": v.valid_from.isoformat(),
           "valid_to": v.valid_to.isoformat() if v.valid_to else None, "file": v.file,
           "fixtures": (fixture_hits or {}).get(v.ref, [])}
    out.update(_citation_fields(c))
    return out


def _param_entry(kb: KB, p, ref: str, pv, c, fixture_hits) -> dict:
    """A parameter's citation; its fixtures are those where a rule reading it fires while this
    version is in force (the fixture hits of those rule versions)."""
    from .numbers import param_uses
    readers = [v.ref for r in kb.rules.values() for v in r.versions
               if p.id in param_uses(v.when, v.then)
               and v.valid_from <= (pv.valid_to or v.valid_from) and (v.valid_to is None or pv.valid_from <= v.valid_to)]
    fixtures = sorted({f for ref_ in readers for f in (fixture_hits or {}).get(ref_, [])})
    out = {"rule": f"param:{p.id}", "version": int(ref.rsplit("#", 1)[1]), "label": p.label,
           "valid_from": pv.valid_from.isoformat(),
           "valid_to": pv.valid_to.isoformat() if pv.valid_to else None, "file": p.file,
           "fixtures": fixtures, "value": pv.value, "read_by": sorted(readers)}
    out.update(_citation_fields(c))
    return out


def _by_id(kb: KB, ident: str, fixture_hits) -> dict:
    entries = []
    if ident in kb.rules:
        rule = kb.rules[ident]
        for v in rule.versions:
            entries += [_rule_entry(kb, rule, v, c, fixture_hits) for c in v.citations]
    else:
        p = kb.parameters[ident]
        for ref, pv in param_versions(p):
            entries += [_param_entry(kb, p, ref, pv, c, fixture_hits) for c in pv.citations]
    entries.sort(key=lambda e: (e["version"], e["clause"]))
    return {"query": ident, "normalised": ident, "clauses": sorted({e["clause"] for e in entries}),
            "citations": entries}
