"""Small builders shared by the engine-guard, determinism and KB-error tests.

They write tiny, synthetic knowledge bases into a temporary directory (a copy of the real
manifest, rules/kb.yaml, plus one or more small rule files), so those tests exercise the engine
without depending on the evolving knowledge base. Nothing here knows any law: the rules are
made up and only need to be valid against schemas/rule.schema.json.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import yaml

from engine.kbload import MANIFEST
from engine.paths import RULES_DIR
from engine.schemas import validate_doc
from engine.yamlio import Doc, parse_yaml

VALID_FROM = "2022-04-01"


def citation(quote: str = "synthetic test text") -> dict:
    """A citation that satisfies the rule schema (a seed example needs no law id)."""
    return {"type": "seed_example", "seed_example": "SE-01", "quote": quote, "status": "unverified"}


def rule(rid: str, when: dict, conclude: str, *, defeats: list[str] | None = None,
         judgment: str | None = None, valid_from: str = VALID_FROM, valid_to: str | None = None,
         kind: str | None = None) -> dict:
    version: dict[str, Any] = {"version": 1, "valid_from": valid_from, "citations": [citation()],
                               "when": when, "then": {"conclude": conclude}}
    if valid_to:
        version["valid_to"] = valid_to
    if defeats:
        version["defeats"] = defeats
    if judgment:
        version["judgment"] = {"question": {"ja": judgment, "en": judgment}}
    out: dict[str, Any] = {"id": rid, "label": {"ja": rid, "en": rid}}
    if kind or defeats:
        out["kind"] = kind or "exception"
    out["versions"] = [version]
    return out


def conclusion(code: str, section: str = "event") -> dict:
    return {"code": code, "label": {"ja": code, "en": code}, "section": section}


def rule_file(unit: str, rules: list[dict], conclusions: list[str] | None = None) -> str:
    """The YAML text of one rule file. Conclusions default to every code the rules conclude."""
    codes = conclusions if conclusions is not None else \
        list(dict.fromkeys(r["versions"][0]["then"]["conclude"] for r in rules))
    data = {"$schema": "../schemas/rule.schema.json",
            "unit": {"id": unit, "title": {"ja": unit, "en": unit}, "source_type": "seed_example"},
            "conclusions": [conclusion(c) for c in codes],
            "rules": rules}
    return dump(data)


class _NoAliasDumper(yaml.SafeDumper):
    """The engine refuses YAML aliases; never write one for an object used twice."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True,
                     width=10_000)


def new_kb(root: Path, files: dict[str, str]) -> Path:
    """Create root/rules with a copy of the real manifest and `files` (relative path -> text)."""
    rules = root / "rules"
    rules.mkdir(parents=True, exist_ok=True)
    # the real manifest without its `scope` (the last key): it declares the real KB's units and
    # conclusions, which a KB of a few small files does not have
    manifest = (RULES_DIR / MANIFEST).read_text(encoding="utf-8")
    (rules / MANIFEST).write_text(re.split(r"(?m)^scope:", manifest)[0], encoding="utf-8")
    for rel, text in files.items():
        target = rules / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return rules


def incident(data: dict, name: str = "incident.yaml") -> Doc:
    """An incident document, validated like a file given to `appi-kb assess`."""
    doc = parse_yaml(dump(data), name)
    validate_doc(doc, "incident")
    return doc


def faulty_plan(root: Path = Path("kb-faulty")):
    """A compiled ruleset durable-rules accepts but cannot run whenever `business.sector` is known:
    rule test.wide is given 17 patterns (durable allows 16 and fails with error 304 when the
    facts arrive). Rule test.ok (business.role is known) runs normally, so one ruleset has both
    incidents that fault and incidents that do not, as a data-dependent engine fault would."""
    import datetime as dt

    from engine.compile import compile_kb
    from engine.kbload import load_kb
    kb = load_kb(new_kb(root, {"faulty.yaml": rule_file("unit-faulty", [
        rule("test.wide", {"fact": "business.sector", "is_known": True}, "test.wide"),
        rule("test.ok", {"fact": "business.role", "is_known": True}, "test.ok")])}))
    (stratum,) = compile_kb(kb, dt.date(2024, 6, 3)).strata
    (plan,) = stratum.rulesets
    (pattern,) = plan.definition["test.wide#0"]["all"]
    plan.definition["test.wide#0"]["all"] = [{f"a{j}": pattern["a0"]} for j in range(17)]
    return plan
