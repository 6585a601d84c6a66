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
from dataclasses import dataclass, field
from typing import Protocol

BACKENDS = ("durable", "reference")


@dataclass(frozen=True)
class Firing:
    rule: str                 # rule id
    variant: str              # "L" (certain) or "U" (possible)
    conjunct: int
    matched: tuple            # canonical JSON of the atom each literal matched, in literal order
    atoms: tuple = field(default=(), compare=False, hash=False, repr=False)   # the atoms themselves

    def sort_key(self) -> tuple:
        return (self.rule, self.variant, self.conjunct, self.matched)


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


def sorted_firings(firings) -> list[Firing]:
    return sorted(set(firings), key=Firing.sort_key)


def make_backend(name: str, ckb, label: str) -> Backend:
    if name == "durable":
        from .session import DurableBackend
        return DurableBackend(ckb, label)
    if name == "reference":
        from .reference import ReferenceBackend
        return ReferenceBackend(ckb)
    raise ValueError(f"unknown evaluator back end '{name}' (one of: {', '.join(BACKENDS)})")
