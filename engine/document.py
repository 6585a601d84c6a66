"""The assessment document as readers use it.

An assessment (schemas/assessment.schema.json) names each rule it rests on by id and version and
holds the rule's details — label, where it is written, its citations with their verbatim quotes,
its judgment, the parameters it reads — once, in its `rules` table, so a document of a hundred
conclusions does not repeat the same citations hundreds of times. `expand` joins them again: every
rule, exception and judgment entry of every conclusion gets its details beside what the
assessment says of it. Renderers, fixtures, coverage and the other readers work on that form.
"""
from __future__ import annotations


def expand(assessment: dict) -> dict:
    """A copy of `assessment` whose conclusions' rule, exception and review entries carry their
    rule's details from the `rules` table. A document without a table (or entries that already
    carry details) is returned as it reads; the original is not changed."""
    table = assessment.get("rules")
    if not isinstance(table, dict):
        return assessment
    out = dict(assessment)
    out["conclusions"] = [_conclusion(c, table) for c in assessment.get("conclusions", [])]
    return out


def _conclusion(c: dict, table: dict) -> dict:
    c = dict(c)
    c["rules"] = [_join(table, r, r["id"]) for r in c.get("rules", [])]
    c["exceptions"] = [_join(table, e, e["rule"], ("label", "citations"))
                       for e in c.get("exceptions", [])]
    c["reviews"] = [_review(table, rv) for rv in c.get("reviews", [])]
    return c


def _join(table: dict, entry: dict, rid: str, keys: tuple[str, ...] | None = None) -> dict:
    details = table.get(rid)
    if details is None:
        return entry
    out = dict(details) if keys is None else {k: details[k] for k in keys if k in details}
    out.update(entry)
    if keys is None:
        out["id"] = rid
    return out


def _review(table: dict, rv: dict) -> dict:
    details = table.get(rv["rule"])
    if details is None or "question" in rv:
        return rv
    out = {"label": details["label"], "question": (details.get("judgment") or {}).get("question"),
           "citations": details["citations"]}
    out.update(rv)
    return out
