"""Rule conditions (`when`): semantic checks and normal form.

A condition in YAML is a tree of all / any / not over two kinds of leaf:
  {conclusion: CODE}                 - a conclusion of another rule holds
  {fact: NAME, OPERATOR: VALUE}      - a test on one incident fact
The JSON Schema checks the shape; this module checks the meaning against the fact vocabulary
(does the fact exist, does the operator suit its kind, is the value one of its values) and turns
the tree into negation normal form: a tree of all/any whose leaves carry a polarity.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .errors import InputError, quote
from .schemas import suggest
from .vocabulary import FactDef, Vocabulary

# operator -> fact kinds it applies to
OPERATORS: dict[str, tuple[str, ...]] = {
    "equals": ("enum", "bool", "number", "quantity", "date"),
    "not_equals": ("enum", "bool", "number", "quantity", "date"),
    "in": ("enum",),
    "greater_than": ("number", "quantity", "series"),
    "at_least": ("number", "quantity", "series"),
    "less_than": ("number", "quantity"),
    "at_most": ("number", "quantity"),
    "on_or_after": ("date",),
    "before": ("date",),
    "includes": ("set",),
    "includes_any": ("set",),
    "includes_all": ("set",),
    "includes_only": ("set",),
    "is_known": ("enum", "bool", "number", "quantity", "date", "set", "series"),
}
NEGATED_OPS = {"not_equals": "equals"}


@dataclass(frozen=True)
class Lit:
    """A leaf in negation normal form. `value` is resolved (parameters substituted)."""
    kind: str                 # "fact" or "concl"
    name: str                 # fact name or conclusion code
    op: str | None            # operator for facts
    value: Any
    positive: bool
    fact_kind: str | None = None
    path: tuple = ()          # where it was written, for messages

    def negated(self) -> "Lit":
        return Lit(self.kind, self.name, self.op, self.value, not self.positive, self.fact_kind, self.path)


@dataclass(frozen=True)
class Node:
    op: str                   # "all" | "any"
    children: tuple           # of Node | Lit


ParamLookup = Callable[[str, tuple], Any]   # (param id, path) -> value, raising InputError


def normalise(cond: dict, path: tuple, vocab: Vocabulary, params: ParamLookup,
              err: Callable[[tuple, str, str | None], InputError]) -> Node | Lit:
    """Check `cond` and return it in negation normal form."""
    return _nnf(cond, path, True, vocab, params, err)


def _nnf(cond: dict, path: tuple, positive: bool, vocab, params, err) -> Node | Lit:
    if "all" in cond or "any" in cond:
        op = "all" if "all" in cond else "any"
        kids = tuple(_nnf(c, path + (op, i), positive, vocab, params, err)
                     for i, c in enumerate(cond[op]))
        if not positive:                      # De Morgan
            op = "any" if op == "all" else "all"
        return Node(op, kids)
    if "not" in cond:
        return _nnf(cond["not"], path + ("not",), not positive, vocab, params, err)
    if "conclusion" in cond:
        return Lit("concl", cond["conclusion"], None, None, positive, path=path)
    return _fact_lit(cond, path, positive, vocab, params, err)


def _fact_lit(cond: dict, path: tuple, positive: bool, vocab: Vocabulary, params, err) -> Lit:
    name = cond["fact"]
    fdef = vocab.get(name)
    if fdef is None:
        guess = suggest(name, vocab.facts)
        raise err(path + ("fact",), f"unknown fact {quote(name)}",
                  f"did you mean '{guess}'?" if guess else
                  "facts are defined in schemas/incident.schema.json")
    (op, raw), = [(k, v) for k, v in cond.items() if k != "fact"]
    allowed = OPERATORS[op]
    if fdef.kind not in allowed:
        ops = sorted(o for o, kinds in OPERATORS.items() if fdef.kind in kinds)
        raise err(path + (op,), f"operator '{op}' does not apply to fact '{name}' ({fdef.kind})",
                  f"use one of: {', '.join(ops)}" if ops else
                  f"'{name}' is descriptive text and cannot be tested")
    value = raw
    if isinstance(raw, dict) and "param" in raw:
        value = params(raw["param"], path + (op, "param"))
    _check_value(fdef, op, value, path + (op,), err)
    if op in NEGATED_OPS:
        op, positive = NEGATED_OPS[op], not positive
    if op == "includes":
        op, value = "includes_any", [value]
    if op == "in":
        value = list(value)
    if fdef.kind == "series" and not positive:
        raise err(path, f"fact '{name}' is a series of dated values and cannot be negated",
                  "state the condition positively (for example greater_than) and let the "
                  "rule not fire")
    return Lit("fact", name, op, value, positive, fdef.kind, path)


def _check_value(fdef: FactDef, op: str, value: Any, path: tuple, err) -> None:
    if op == "is_known":
        return
    many = op in ("in", "includes_any", "includes_all", "includes_only")
    values = value if many else [value]
    if many and (not isinstance(value, list) or not value):
        raise err(path, f"operator '{op}' needs a non-empty list of values", None)
    if not many and isinstance(value, list):
        raise err(path, f"operator '{op}' needs a single value, not a list",
                  "use 'in' or 'includes_any' for several values")
    if op == "includes_only" and set(fdef.values) <= set(values):
        raise err(path, f"'includes_only' lists every value of '{fdef.name}', so it always holds",
                  "remove the test, or list only the values that are allowed")
    for v in values:
        if fdef.kind in ("enum", "set"):
            if v not in fdef.values:
                guess = suggest(v, fdef.values) if isinstance(v, str) else None
                raise err(path, f"{quote(v)} is not a value of fact '{fdef.name}'",
                          f"did you mean '{guess}'?" if guess else
                          f"values: {', '.join(map(str, fdef.values))}")
        elif fdef.kind == "bool":
            if not isinstance(v, bool):
                raise err(path, f"fact '{fdef.name}' is true/false; {quote(v)} is not", "write true or false")
        elif fdef.kind in ("number", "quantity", "series"):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise err(path, f"fact '{fdef.name}' is a number; {quote(v)} is not", "write a number")
        elif fdef.kind == "date":
            import datetime as _dt
            try:
                _dt.date.fromisoformat(str(v))
            except ValueError:
                raise err(path, f"{quote(v)} is not a date", "write YYYY-MM-DD") from None


def literals(node: Node | Lit) -> list[Lit]:
    if isinstance(node, Lit):
        return [node]
    out: list[Lit] = []
    for c in node.children:
        out.extend(literals(c))
    return out


def dnf(node: Node | Lit, limit: int = 64) -> list[tuple[Lit, ...]]:
    """Disjunctive normal form: a list of conjunctions. Raises ValueError past `limit` terms."""
    if isinstance(node, Lit):
        return [(node,)]
    if node.op == "any":
        out: list[tuple[Lit, ...]] = []
        for c in node.children:
            out.extend(dnf(c, limit))
            if len(out) > limit:
                raise ValueError(limit)
        return out
    acc: list[tuple[Lit, ...]] = [()]
    for c in node.children:
        acc = [a + b for a in acc for b in dnf(c, limit)]
        if len(acc) > limit:
            raise ValueError(limit)
    return acc
