"""One interface, two back ends: what evaluating a stratum means, whoever does it.

A back end takes one stratum of compiled rules (engine/compile.py), the incident's atoms
(engine/facts.py) and the final levels of the conclusions earlier strata decided, and returns the
stratum's *firings*: for every conjunct of every rule and every combination of atoms on which it
could hold, a U firing, plus an L firing when every literal holds certainly there. Conclusions
derived inside the stratum chain to the rules that read them (level T from a certain firing of a
rule that is not a judgment, M otherwise) until nothing new fires.

- "durable" (engine/session.py): durable-rules' Rete network does the matching and chaining.
  The CLI's engine.
- "reference" (engine/reference.py): the same semantics in a few lines of Python over
  engine/literal.py; the oracle the durable back end is tested against.
Both must give byte-identical assessments (tests/test_backends.py).
"""
from __future__ import annotations

import json
import operator
from typing import Protocol

BACKENDS = ("durable", "reference")


class Firing:
    """One firing of one conjunct of a rule on one combination of atoms. Equal (and hashed) by
    rule, variant, conjunct and matched keys; `atoms` (the atoms themselves) rides along.

    A plain class with slots rather than a frozen dataclass: back ends make ~130 of these per
    assessment, and a frozen dataclass's __init__ costs several times more."""
    __slots__ = ("rule", "variant", "conjunct", "matched", "atoms", "_key")

    def __init__(self, rule: str, variant: str, conjunct: int, matched: tuple,
                 atoms: tuple = ()) -> None:
        self.rule = rule                # rule id
        self.variant = variant          # "L" (certain) or "U" (possible)
        self.conjunct = conjunct
        self.matched = matched          # canonical JSON of the atom each literal matched, in order
        self.atoms = atoms              # the atoms themselves (not compared)
        self._key = (rule, variant, conjunct, matched)

    def sort_key(self) -> tuple:
        return self._key

    def __eq__(self, other: object) -> bool:
        return type(other) is Firing and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return (f"Firing(rule={self.rule!r}, variant={self.variant!r}, "
                f"conjunct={self.conjunct!r}, matched={self.matched!r})")


class Backend(Protocol):
    def evaluate(self, stratum, facts, levels: dict[str, str]) -> list[Firing]:
        """Firings of `stratum` on `facts`; `levels`: earlier strata's code -> final level."""

    def close(self) -> None:
        """Free what the back end holds (durable rulesets)."""


_CONCL_KEYS: dict[tuple, tuple[str, dict]] = {}


def concl_atom(code: str, level: str) -> tuple[str, dict]:
    """(canonical key, atom) of a conclusion level."""
    found = _CONCL_KEYS.get((code, level))
    if found is None:
        atom = {"c": code, "l": level, "t": "c"}
        found = _CONCL_KEYS[(code, level)] = (json.dumps(atom, sort_keys=True, ensure_ascii=False),
                                              atom)
    return found


def atom_key(atom: dict) -> str:
    return json.dumps(atom, sort_keys=True, ensure_ascii=False)


_KEY = operator.attrgetter("_key")


def sorted_firings(firings) -> list[Firing]:
    return sorted(set(firings), key=_KEY)


def make_backend(name: str, ckb, label: str) -> Backend:
    if name == "durable":
        from .session import DurableBackend
        return DurableBackend(ckb, label)
    if name == "reference":
        from .reference import ReferenceBackend
        return ReferenceBackend(ckb)
    raise ValueError(f"unknown evaluator back end '{name}' (one of: {', '.join(BACKENDS)})")
