"""Compile the rules in force on a date: conditions, strata, and the durable-rules rulesets.

Three-valued logic with a two-valued engine. Each rule's condition is put in negation normal form
(negation pushed down to the fact tests, so the engine only matches positive patterns;
durable-rules' own `$not` is never used, it is order-dependent) and then in disjunctive normal
form: a list of conjuncts. A conjunct *fires certainly* (variant L) when every literal certainly
holds on the known facts, and *possibly* (variant U) when each could hold: an unknown fact, a
possible set member or an undetermined conclusion may go either way (engine/literal.py defines
each test). A conclusion is established when an L firing holds, undetermined when only U fired
(the unknowns it matched are the questions that would decide it), and absent when neither fired.

Defeat (a proviso overriding its main text) and negation over conclusions are resolved between
*strata*: a rule that reads a conclusion negatively, or reads one that an exception may defeat,
runs in a later stratum, after that conclusion's final status is known and asserted as a fact.
A cycle through such a dependency is a KB error. Each stratum becomes one or more durable-rules
rulesets (engine/rulesets.py, within the limits of engine/limits.py); the reference evaluator
(engine/reference.py) runs the same strata and conjuncts without durable.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

from . import limits
from .conditions import Lit, dnf, literals, normalise
from .errors import InputError, InputErrors
from .model import KB, RuleVersion
from .rulesets import plan_stratum
from .vocabulary import vocabulary

# durable-rules' own limits are modelled in engine/limits.py and checked per ruleset there
MAX_PATTERNS = limits.PATTERNS.allowed     # patterns per engine rule
MAX_DNF = 64               # our own bound on how far a condition may expand


@dataclass
class CompiledRule:
    version: RuleVersion
    tree: object                       # condition in negation normal form
    conjuncts: list[tuple[Lit, ...]]
    reads: list[tuple[str, bool]]      # (conclusion code, positive)
    stratum: int = 0


@dataclass
class Stratum:
    index: int
    rules: list[str]                           # rule ids, sorted
    consumed_here: set[str]                    # codes derived and read inside this stratum
    needs: list[str]                           # codes from earlier strata to assert as facts
    fact_names: set[str]                       # incident facts the stratum reads
    codes: dict[str, str]                      # rule id -> the conclusion it yields
    rulesets: list = field(default_factory=list)   # engine/rulesets.py RulesetPlan, for durable


@dataclass
class CompiledKB:
    as_of: _dt.date
    rules: dict[str, CompiledRule]
    defeaters: dict[str, list[str]]            # rule id -> ids of rules that defeat it
    strata: list[Stratum]
    params: dict[str, object]                  # parameter values in force
    param_versions: dict[str, object]
    key: str                                   # identity of the selected rule versions
    missing: list[str] = field(default_factory=list)


def compile_kb(kb: KB, as_of: _dt.date) -> CompiledKB:
    from .kbload import param_value   # (kbload and its checks only when compiling: a cached KB needs neither)
    vocab = vocabulary()
    errors: list[InputError] = []
    active = {rid: r.version_on(as_of) for rid, r in sorted(kb.rules.items())}
    active = {rid: v for rid, v in active.items() if v is not None}
    if not active:
        first = min((v.valid_from for r in kb.rules.values() for v in r.versions), default=None)
        raise InputError(f"no rule of the knowledge base is in force on {as_of}",
                         hint=f"the rules begin on {first}; choose a later --as-of date"
                         if first else "the knowledge base is empty", kind="as_of")
    params, pversions = {}, {}
    for pid, p in kb.parameters.items():
        pv = param_value(p, as_of)
        if pv is not None:
            params[pid] = pv.value
            pversions[pid] = pv

    compiled: dict[str, CompiledRule] = {}
    for rid, v in active.items():
        def err(path, message, hint=None, _file=v.file):
            return kb.error_at(_file, path, message, hint)

        def lookup(pid, path, _err=err):
            if pid not in params:
                raise _err(path, f"parameter '{pid}' has no value in force on {as_of}",
                           "add a parameter version that covers this date")
            return params[pid]
        try:
            tree = normalise(v.when, v.when_path, vocab, lookup, err)
            conj = dnf(tree, MAX_DNF)
        except InputError as exc:
            errors.append(exc)
            continue
        except ValueError:
            errors.append(err(v.when_path, f"the condition of rule '{rid}' expands to more than "
                              f"{MAX_DNF} alternatives", "split it into several rules"))
            continue
        reads = sorted({(lit.name, lit.positive) for lit in literals(tree) if lit.kind == "concl"})
        compiled[rid] = CompiledRule(v, tree, conj, reads)
    if errors:
        raise InputErrors(errors) if len(errors) > 1 else errors[0]

    producers: dict[str, list[str]] = defaultdict(list)
    for rid, cr in compiled.items():
        producers[cr.version.then["conclude"]].append(rid)
    defeaters: dict[str, list[str]] = defaultdict(list)
    for rid, cr in compiled.items():
        for target in cr.version.defeats:
            if target in compiled:
                defeaters[target].append(rid)
    missing = []
    for rid, cr in compiled.items():
        for code, _pos in cr.reads:
            if not producers.get(code):
                v = cr.version
                errors.append(InputError(
                    f"on {as_of}, rule '{rid}' reads conclusion '{code}', but no rule concluding it "
                    "is in force", file=v.file, line=v.line, kind="as_of",
                    hint="add a version in force on that date, or assess with another --as-of"))
    if errors:
        raise InputErrors(errors) if len(errors) > 1 else errors[0]

    _stratify(compiled, producers, defeaters, kb)
    try:
        strata = _build_strata(compiled, producers, kb)
    except InputError as exc:
        raise InputError(exc.message, file=exc.file, line=exc.line, hint=exc.hint,
                         kind="compile") from None
    key = hashlib.sha256(json.dumps(sorted(v.version.ref for v in compiled.values())).encode()
                         + json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return CompiledKB(as_of, compiled, {k: sorted(v) for k, v in defeaters.items()}, strata,
                      params, pversions, key, missing)


def _stratify(compiled: dict[str, CompiledRule], producers, defeaters, kb: KB) -> None:
    """Assign each rule the lowest stratum that respects its strict and plain dependencies."""
    def defeat_closure(rid: str, acc: set) -> set:
        for d in defeaters.get(rid, []):
            if d not in acc:
                acc.add(d)
                defeat_closure(d, acc)
        return acc

    # rule -> [(depends on, strict, why)]; `why` is kept only to explain a cycle to the editor
    edges: dict[str, list[tuple[str, bool, str]]] = defaultdict(list)
    for rid, cr in compiled.items():
        for code, positive in cr.reads:
            prods = producers[code]
            defeasible = any(defeaters.get(p) for p in prods)
            strict = (not positive) or defeasible
            for p in prods:
                edges[rid].append((p, strict, f"reads '{code}' (concluded by {p})"))
                if strict:
                    for d in sorted(defeat_closure(p, set())):
                        edges[rid].append((d, True, f"reads '{code}' (concluded by {p}, which "
                                                    f"{d} may defeat)"))

    state: dict[str, int] = {}     # 0 visiting, 1 done
    level: dict[str, int] = {}

    def visit(rid: str, stack: list[tuple[str, str]]) -> int:
        if state.get(rid) == 1:
            return level[rid]
        if state.get(rid) == 0:
            start = [r for r, _ in stack].index(rid)
            steps = "; ".join(f"{r} {why}" for r, why in stack[start:])
            v = compiled[rid].version
            raise InputError(f"rules depend on each other in a circle: {steps}",
                             file=v.file, line=v.line, kind="compile",
                             hint="no conclusion may depend on itself, and an exception is weighed "
                                  "after everything it reads, so it cannot read (even through other "
                                  "rules) a conclusion of a rule it defeats")
        state[rid] = 0
        lv = 0
        for dep, strict, why in edges.get(rid, []):
            lv = max(lv, visit(dep, stack + [(rid, why)]) + (1 if strict else 0))
        state[rid] = 1
        level[rid] = lv
        return lv

    try:
        for rid in sorted(compiled):
            visit(rid, [])
    finally:                # the two recursive closures refer to themselves: a reference cycle
        del defeat_closure, visit
    for rid, cr in compiled.items():
        cr.stratum = level[rid]


def _build_strata(compiled: dict[str, CompiledRule], producers, kb: KB) -> list[Stratum]:
    vocab = vocabulary()
    count = max(cr.stratum for cr in compiled.values()) + 1
    strata = []

    def where(rid: str, message: str, hint: str | None = None) -> InputError:
        v = compiled[rid].version
        return kb.error_at(v.file, v.when_path, message, hint)

    for k in range(count):
        ids = sorted(rid for rid, cr in compiled.items() if cr.stratum == k)
        if not ids:
            continue
        here_codes = {compiled[r].version.then["conclude"] for r in ids}
        consumed_here, needs, fact_names = set(), set(), set()
        for rid in ids:
            cr = compiled[rid]
            for code, _pos in cr.reads:
                if code in here_codes:
                    consumed_here.add(code)
                else:
                    needs.add(code)
            for lit in literals(cr.tree):
                if lit.kind == "fact":
                    fact_names.add(lit.name)
        codes = {r: compiled[r].version.then["conclude"] for r in ids}
        plans = plan_stratum(k, ids, compiled, here_codes, vocab, where)
        strata.append(Stratum(k, ids, consumed_here, sorted(needs), fact_names, codes, plans))
    return strata


def engine_usage(ckb: "CompiledKB") -> dict[str, tuple]:
    """The most of each engine limit any ruleset uses: limit key -> (amount, where)."""
    out: dict[str, tuple] = {}
    for stratum in ckb.strata:
        for plan in stratum.rulesets:
            for key, (amount, what) in plan.usage.items():
                if key not in out or amount > out[key][0]:
                    out[key] = (amount, what)
    out["rulesets"] = (sum(len(s.rulesets) for s in ckb.strata), "")
    return out
