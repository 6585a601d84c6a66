"""Three-valued evaluation of one compiled literal: the single definition of what a test means.

A literal (`engine.conditions.Lit`) is a leaf of a rule's condition in negation normal form: a
test on one incident fact (`data.items includes_any [...]`, `affected.number_max greater_than
1000`, ...) or a reference to another conclusion, each with a polarity. `evaluate` says whether
it holds on an incident:

    T  certainly: it holds on the facts as stated
    M  possibly: an unknown fact, a member of a list that is only *possibly* there, or a
       conclusion that is itself open could make it hold
    F  it does not hold, whatever the open points turn out to be

and which facts it read. The facts are the incident's *atoms* (`FactSet.durable`, one per fact of
the vocabulary; see engine/facts.py):

    {"t": "f", "n": NAME, "v": VALUE}                  a known value
    {"t": "f", "n": NAME, "v": [...], "p": [...]}      a list: confirmed members, and confirmed or
                                                       possible members (both start with SENTINEL)
    {"t": "f", "n": NAME, "v": N, "on": DATE}          one dated point of a series (upper bounds)
    {"t": "u", "n": NAME}                              unknown
and, for a literal over a conclusion, level atoms {"t": "c", "c": CODE, "l": "T" | "M" | "F"}
built from `levels` (code -> level, or a collection of levels when one run derived the same
conclusion both certainly and possibly).

Every consumer uses this module instead of re-implementing the operators: the reference evaluator
(engine/reference.py) matches rules with it, the durable-rules compiler (engine/compile.py) is
tested against it, "why not" explanations and the interview read `value` and `read`.

Per atom the result is computed twice, exactly as the two compiled variants of a rule match:
`certain` are the atoms on which the literal holds for sure (the L variant matches them) and
`possible` those on which it may hold (the U variant matches them; a superset of `certain`).
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, NamedTuple

from .conditions import Lit
from .facts import SENTINEL, FactSet

T, M, F = "T", "M", "F"

# comparison operators: (holds for value v against the literal's value x)
_CMP = {
    "greater_than": lambda v, x: v > x,
    "at_least": lambda v, x: v >= x,
    "less_than": lambda v, x: v < x,
    "at_most": lambda v, x: v <= x,
    "on_or_after": lambda v, x: v >= x,
    "before": lambda v, x: v < x,
}


class Evaluation(NamedTuple):
    value: str                      # "T" | "M" | "F"
    read: tuple                     # every atom of the fact or conclusion the literal looked at
    certain: tuple                  # atoms on which it certainly holds (non-empty iff value T)
    possible: tuple                 # atoms on which it may hold (non-empty iff value T or M)


def evaluate(lit: Lit, facts: FactSet,
             levels: Mapping[str, str | Collection[str]] | None = None) -> Evaluation:
    """Evaluate `lit` on `facts` (and, for a conclusion literal, on `levels`).

    A conclusion missing from `levels` counts as not holding (level F)."""
    atoms = _concl_atoms(lit.name, levels or {}) if lit.kind == "concl" else facts.atoms_of(lit.name)
    certain, possible = [], []
    for atom in atoms:
        sure, maybe = atom_matches(lit, atom)
        if sure:
            certain.append(atom)
        if maybe:
            possible.append(atom)
    value = T if certain else (M if possible else F)
    return Evaluation(value, tuple(atoms), tuple(certain), tuple(possible))


def _concl_atoms(code: str, levels: Mapping[str, str | Collection[str]]) -> list[dict]:
    got = levels.get(code, F)
    found = [got] if isinstance(got, str) else sorted(got)
    return [{"t": "c", "c": code, "l": level} for level in found]


def atom_matches(lit: Lit, atom: dict) -> tuple[bool, bool]:
    """(certainly holds, may hold) for `lit` on one atom of its own fact or conclusion."""
    kind = atom["t"]
    if lit.kind == "concl":
        level = atom["l"]
        if lit.positive:
            return level == T, level != F
        return level == F, level != T
    if lit.op == "is_known":              # two-valued: knowing is never uncertain
        held = (kind == "f") == lit.positive
        return held, held
    if kind == "u":                       # an unknown fact may go either way
        return False, True
    if lit.fact_kind == "set":
        return _set_test(lit, atom)
    sure = _scalar_test(lit.op, lit.value, atom["v"])
    if not lit.positive:
        sure = not sure
    return sure, sure


def _scalar_test(op: str, x: Any, v: Any) -> bool:
    if op == "equals":
        return v == x
    if op == "in":
        return v in x
    return _CMP[op](v, x)


def _set_test(lit: Lit, atom: dict) -> tuple[bool, bool]:
    confirmed = {m for m in atom["v"] if m != SENTINEL}
    possible = {m for m in atom.get("p", atom["v"]) if m != SENTINEL} | confirmed
    values = set(lit.value)

    def holds(members: set) -> bool:
        if lit.op == "includes_any":
            return bool(members & values)
        if lit.op == "includes_all":
            return values <= members
        return members <= values          # includes_only

    # the least and the most the list may turn out to hold
    low, high = holds(confirmed), holds(possible)
    if lit.op == "includes_only":         # fewer members make "only" easier
        low, high = high, low
    if lit.positive:
        return low, high
    return not high, not low


def value_of(lit: Lit, facts: FactSet,
             levels: Mapping[str, str | Collection[str]] | None = None) -> str:
    """Just the three-valued result of `evaluate`."""
    return evaluate(lit, facts, levels).value
