"""The assessment document as readers use it.

An assessment (schemas/assessment.schema.json) names each rule it rests on by id and version and
holds the rule's details — label, where it is written, its citations with their verbatim quotes,
its judgment, the parameters it reads — once, in its `rules` table, so a document of a hundred
conclusions does not repeat the same citations hundreds of times. `expand` joins them again: every
rule, exception and judgment entry of every conclusion gets its details beside what the
assessment says of it. Renderers, fixtures, coverage and the other readers work on that form.

In JSON Lines (`appi-kb assess` on several incidents) a table is written once per stream and each
assessment names it by SHA-256; `read_lines` joins them back into the documents `--format json`
writes.
"""
from __future__ import annotations

import hashlib
import json
from typing import Iterable, Iterator

from .jsonfast import compact_bytes


def read_lines(lines: Iterable[bytes | str]) -> Iterator[dict]:
    """The records of `appi-kb assess`'s JSON Lines (engine/batch.py), in order: each assessment
    as `--format json` writes it, its `rules` table joined in where the line names it by SHA-256,
    and each error record as it is. A table's line is checked against the SHA-256 it claims; the
    documents that name one table share one dict (read them, do not change them).

    Raises ValueError, naming the line, for a line that is not JSON, a table whose text does not
    match its SHA-256, or an assessment naming a table no earlier line gave."""
    tables: dict[str, dict] = {}
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except ValueError as exc:
            raise ValueError(f"line {number}: not JSON ({exc})") from None
        if isinstance(record, dict) and "rules_table" in record:
            sha = record["rules_table"]
            if hashlib.sha256(compact_bytes(record.get("rules"))).hexdigest() != sha:
                raise ValueError(f"line {number}: the rules table does not match its SHA-256 {sha}")
            tables[sha] = record["rules"]
            continue
        if isinstance(record, dict) and isinstance(record.get("rules"), str):
            table = tables.get(record["rules"])
            if table is None:
                raise ValueError(f"line {number}: names rules table {record['rules']}, which no "
                                 "earlier line gives")
            record["rules"] = table
        yield record


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
