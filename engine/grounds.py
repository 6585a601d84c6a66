"""Why a conclusion does not hold: for each rule that could have yielded it, the conditions that
fail and the values they failed on (the assessment's `why_not`).

A negative answer is only as good as its reasons: "no duty to report" must show that each ground
was checked (every rule concluding the duty, and below it every rule concluding what that rule
needed) and why each fails. For a rule that does not hold, its condition (in negation normal form)
is evaluated three-valued with `engine.literal` against the incident's facts and the final levels
of the other conclusions; what is kept is the failing part of the tree:

    {"all": [...]}   the conditions of an `all` that fail (one is enough to fail it)
    {"any": [...]}   every alternative of an `any` (all of them fail)
    {"fact": NAME, "op": OP, "expected": X, "positive": bool, "value": V}
                     a test on a fact, and the incident's value (or "unknown")
    {"conclusion": CODE, "positive": bool, "status": STATUS}
                     a conclusion it needed (positive) or needed not to hold (negative)

A rule an exception defeated is listed with `excluded_by` instead. Every conclusion a failing
`conclusion` leaf points at gets a `why_not` of its own, so a reader can follow the chain down to
the facts (the duty → the reportable event → each item of the regulation → the facts it read),
each rule with its version and validity, and its other versions, for when the date decides which
text applies.
"""
from __future__ import annotations

import json
from typing import Any

from .compile import CompiledKB
from .conditions import Lit, Node
from .facts import FactSet
from .literal import F, M, T, value_of
from .model import KB
from .resolve import EXCLUDED, NOT_ESTABLISHED, Resolver, fact_display

_ORDER = {F: 0, M: 1, T: 2}
NEGATIVE = (NOT_ESTABLISHED, EXCLUDED)


class _Levels(dict):
    """Conclusion code -> its level, resolved when first read (most are never read)."""

    def __init__(self, resolver: Resolver) -> None:
        super().__init__()
        self.r = resolver

    def __missing__(self, code: str) -> str:
        level = self[code] = self.r.code(code).level
        return level

    def get(self, code: str, default=None):
        return self[code] if code in self.r.producers else default

    def __bool__(self) -> bool:
        return True


class _Grounds:
    def __init__(self, kb: KB, ckb: CompiledKB, facts: FactSet, resolver: Resolver) -> None:
        self.kb, self.ckb, self.facts, self.r = kb, ckb, facts, resolver
        self.levels = _Levels(resolver)

    def value(self, node) -> str:
        if isinstance(node, Lit):
            return value_of(node, self.facts, self.levels)
        vals = [self.value(ch) for ch in node.children]
        pick = min if node.op == "all" else max
        return pick(vals, key=_ORDER.__getitem__) if vals else (T if node.op == "all" else F)

    def failing(self, node) -> dict:
        """The part of a false condition that makes it false."""
        if isinstance(node, Lit):
            return self.leaf(node)
        kids = [ch for ch in node.children if node.op == "any" or self.value(ch) == F]
        if len(kids) == 1:
            return self.failing(kids[0])
        by_text = {_canonical(p): p for p in map(self.failing, kids)}    # each part once,
        parts = [by_text[k] for k in sorted(by_text)]                    # in canonical order
        return parts[0] if len(parts) == 1 else {node.op: parts}

    def leaf(self, lit: Lit) -> dict:
        if lit.kind == "concl":
            return {"conclusion": lit.name, "positive": lit.positive,
                    "status": self.r.code(lit.name).status}
        value = fact_display(self.facts, lit.name) if lit.name in self.facts.known else "unknown"
        return {"fact": lit.name, "op": lit.op, "expected": lit.value, "positive": lit.positive,
                "value": value}

    def rule(self, rid: str) -> dict:
        cr = self.ckb.rules[rid]
        v = cr.version
        st = self.r.rule(rid)
        out: dict[str, Any] = {
            "rule": rid, "version": v.version, "valid_from": v.valid_from.isoformat(),
            "valid_to": v.valid_to.isoformat() if v.valid_to else None,
            "other_versions": [{"version": o.version, "valid_from": o.valid_from.isoformat(),
                                "valid_to": o.valid_to.isoformat() if o.valid_to else None}
                               for o in self.kb.rules[rid].versions if o.version != v.version],
        }
        if st.final == "X":
            out["excluded_by"] = list(st.defeated_by)
        else:
            out["fails"] = self.failing(cr.tree)
        return out

    def why_not(self, roots: list[str]) -> dict[str, list[dict]]:
        """code -> its why_not, for `roots` that do not hold and every failing conclusion below."""
        out: dict[str, list[dict]] = {}
        todo = [c for c in roots if self.r.code(c).status in NEGATIVE]
        while todo:
            code = todo.pop()
            if code in out:
                continue
            entries = [self.rule(rid) for rid in sorted(self.r.producers.get(code, []))]
            out[code] = entries
            for e in entries:
                for leaf in _leaves(e.get("fails")):
                    c = leaf.get("conclusion")
                    if c and leaf["positive"] and leaf["status"] in NEGATIVE and c not in out:
                        todo.append(c)
        return out


def why_not(kb: KB, ckb: CompiledKB, facts: FactSet, resolver: Resolver,
            roots: list[str]) -> dict[str, list[dict]]:
    return _Grounds(kb, ckb, facts, resolver).why_not(roots)


def _leaves(node: dict | None):
    if not node:
        return
    for key in ("all", "any"):
        if key in node:
            for ch in node[key]:
                yield from _leaves(ch)
            return
    yield node


def _canonical(node: dict) -> str:
    return json.dumps(node, sort_keys=True, ensure_ascii=False, default=str)
