"""Citation look-up for auditors: which rules cite a clause, with the quote and their fixtures.

Clause names are read leniently: full- or half-width digits, 第…条 or …条, 但書/ただし書,
"Q6-12" or "Q&A Q6-12", "通則GL 3-5-3-4". A clause also finds the rules citing its parts
(規則7条 finds 規則7条1号 … 4号); an unknown clause gets the nearest known ones as suggestions.
"""
from __future__ import annotations

import difflib

from .citations import normalise_clause
from .errors import InputError
from .model import KB


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
    """Rules citing `clause` (or its parts), each with the citation and the fixtures it fires in."""
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
        raise InputError(f"no rule cites '{clause}'", hint=hint, kind="value")
    entries = []
    for rule in sorted(kb.rules.values(), key=lambda r: r.id):
        for v in rule.versions:
            for c in v.citations:
                if c.key in matched:
                    entries.append({
                        "clause": c.key, "rule": rule.id, "version": v.version, "label": kb.rule_label(rule.id),
                        "valid_from": v.valid_from.isoformat(),
                        "valid_to": v.valid_to.isoformat() if v.valid_to else None,
                        "file": v.file, "line": c.line, "quote": c.data["quote"],
                        "status": c.status, "verified_on": c.data.get("verified_on"),
                        "checked_against": c.data.get("checked_against"),
                        "unverified_reason": c.data.get("unverified_reason"),
                        "url": c.data.get("url"),
                        "fixtures": (fixture_hits or {}).get(v.ref, []),
                    })
    for p in sorted(kb.parameters.values(), key=lambda p: p.id):
        for i, pv in enumerate(p.versions):
            for c in pv.citations:
                if c.key in matched:
                    entries.append({
                        "clause": c.key, "rule": f"param:{p.id}", "version": i + 1, "label": p.label,
                        "valid_from": pv.valid_from.isoformat(),
                        "valid_to": pv.valid_to.isoformat() if pv.valid_to else None,
                        "file": p.file, "line": c.line, "quote": c.data["quote"],
                        "status": c.status, "verified_on": c.data.get("verified_on"),
                        "checked_against": c.data.get("checked_against"),
                        "unverified_reason": c.data.get("unverified_reason"),
                        "url": c.data.get("url"), "fixtures": [], "value": pv.value,
                    })
    entries.sort(key=lambda e: (e["clause"], e["rule"], e["version"]))
    return {"query": clause, "normalised": query, "clauses": matched, "citations": entries}
