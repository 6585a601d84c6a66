"""Coming changes (issue 7.6): promulgated amendments whose in-force date is not yet fixed.

A record under rules/pending/ (schemas/pending.schema.json) says what the amendment changes, in
words and as the conclusions/rules it touches, when it can come into force at the latest, and its
sources with how they were verified (`verification:`, unverified until the official text is in
sources/). It is not a rule: it never changes a conclusion. `notices` gives an assessment the
notice of each record that touches it: on or after the day it was promulgated, one of the
conclusions it names is shown and holds, needs review or is open (and, when it names rules, one
of them is behind that conclusion and not out of the picture). The KB loader hashes the records
with the rules (the lock and `appi-kb diff` see them as KB changes).
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

from .errors import InputError
from .yamlio import Doc

FOLDER = "pending"
LIVE = ("established", "needs_review", "undetermined")
RULE_OUT = ("does_not_hold", "not_established", "excluded", "defeated")


def files(root: Path) -> list[Path]:
    folder = Path(root) / FOLDER
    return sorted(folder.rglob("*.yaml")) if folder.is_dir() else []


def check(records: list[tuple[Doc, dict]], rules: dict, concls: dict) -> list[InputError]:
    """Every conclusion and rule a record says it touches exists; ids are unique."""
    errors: list[InputError] = []
    seen: dict[str, str] = {}
    for doc, rec in records:
        if rec["id"] in seen:
            errors.append(doc.error(("id",), f"pending record '{rec['id']}' is already in {seen[rec['id']]}",
                                    "give each record its own id", kind="duplicate"))
        seen[rec["id"]] = doc.path
        latest = _dt.date.fromisoformat(rec["in_force"]["latest"])
        if latest < _dt.date.fromisoformat(rec["promulgated"]):
            errors.append(doc.error(("in_force", "latest"), "the latest in-force date is before "
                                    "promulgation", "count the period from the day of promulgation",
                                    kind="input"))
        for i, ch in enumerate(rec["changes"]):
            for what, known in (("conclusions", concls), ("rules", rules)):
                for j, name in enumerate(ch["touches"].get(what, [])):
                    if name not in known:
                        errors.append(doc.error(("changes", i, "touches", what, j),
                                                f"pending record '{rec['id']}' touches unknown "
                                                f"{what[:-1]} '{name}'",
                                                f"name a {what[:-1]} of the knowledge base (see "
                                                "`appi-kb rules`)", kind="reference"))
                        errors[-1].about = name
    return errors


def notices(pending: list[dict], conclusions: list[dict], day: _dt.date) -> list[dict]:
    """The notices of the records touching an assessment (its conclusions as built, `day` its
    assessment date)."""
    shown = {c["code"]: c for c in conclusions if c.get("displayed")}
    out = []
    for rec in pending:
        if day < _dt.date.fromisoformat(rec["promulgated"]):
            continue
        touched: list[dict] = []
        for ch in rec["changes"]:
            codes = [code for code in ch["touches"].get("conclusions", [])
                     if code in shown and shown[code]["status"] in LIVE
                     and _behind(shown[code], ch["touches"].get("rules"))]
            if codes:
                touched.append({"what": ch["what"], "conclusions": codes})
        if not touched:
            continue
        latest = rec["in_force"]["latest"]
        out.append({
            "id": rec["id"], "title": rec["title"], "status": rec["status"],
            "promulgated": rec["promulgated"],
            "in_force": {"fixed": False, "rule": rec["in_force"]["rule"], "latest": latest},
            "in_force_passed": day > _dt.date.fromisoformat(latest),
            "text": rec["notice"], "changes": touched,
            "verified": all(s["verification"] == "official" for s in rec["sources"]),
        })
    return out


def _behind(c: dict, rules: list[str] | None) -> bool:
    if not rules:
        return True
    return any(r["id"] in rules and r.get("status") not in RULE_OUT for r in c.get("rules", []))
