"""The reference evaluator: the meaning of a stratum, in the simplest correct Python.

No durable-rules. For each conjunct of each rule, every combination of the atoms on which each of
its literals may hold (engine/literal.py) is a possible (U) firing, and a certain (L) firing too
when each of those atoms makes its literal certainly true. Conclusions derived in the stratum are
fed back until a pass adds no firing. Tuned for neither speed nor cleverness: it is the oracle the
durable back end is checked against (same firings, byte-identical assessments).
"""
from __future__ import annotations

import itertools

from .evaluator import Firing, atom_key, sorted_firings
from .literal import atom_matches, evaluate


class ReferenceBackend:
    def __init__(self, ckb) -> None:
        self.ckb = ckb

    def evaluate(self, stratum, facts, levels: dict[str, str]) -> list[Firing]:
        known = {code: {levels[code]} for code in stratum.needs}
        derived: dict[str, set] = {}
        firings: set[Firing] = set()
        changed = True
        while changed:
            changed = False
            current = {**known, **derived}
            for rid in stratum.rules:
                rule = self.ckb.rules[rid]
                code = rule.version.then["conclude"]
                judgment = rule.version.judgment is not None
                for i, conj in enumerate(rule.conjuncts):
                    choices = [evaluate(lit, facts, current).possible for lit in conj]
                    for combo in itertools.product(*choices):
                        keys = tuple(atom_key(a) for a in combo)
                        possible = Firing(rid, "U", i, keys, combo)
                        if possible in firings:
                            continue
                        changed = True
                        firings.add(possible)
                        certain = all(atom_matches(lit, a)[0] for lit, a in zip(conj, combo))
                        if certain:
                            firings.add(Firing(rid, "L", i, keys, combo))
                        if code in stratum.consumed_here:
                            derived.setdefault(code, set()).add(
                                "T" if certain and not judgment else "M")
                            derived[code].add("M")
        return sorted_firings(firings)

    def close(self) -> None:
        pass
