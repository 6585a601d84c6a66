"""Compile the rules in force on a date into durable-rules rulesets.

Three-valued logic with a two-valued engine. Each rule is compiled twice:
  L (lower bound)  fires when its condition is certainly true on the known facts;
  U (upper bound)  fires when its condition could be true: an unknown fact, a possible set
                   member or an undetermined conclusion is allowed to go either way.
A conclusion is established when an L variant fired, undetermined when only U fired (the
unknowns it matched are the questions that would decide it), and absent when neither fired.
Negation is pushed down to the leaves at compile time (negation normal form), so the engine only
ever matches positive patterns; durable-rules' own `$not` is never used (it is order-dependent).

Defeat (a proviso overriding its main text) and negation over conclusions are resolved between
*strata*: a rule that reads a conclusion negatively, or reads one that an exception may defeat,
runs in a later stratum, after that conclusion's final status is known and asserted as a fact.
Each stratum is its own durable ruleset; a cycle through such a dependency is a KB error.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

from .conditions import Lit, dnf, literals, normalise
from .errors import InputError, InputErrors
from .facts import SENTINEL
from .kbload import param_value
from .model import KB, RuleVersion
from .vocabulary import vocabulary

# engine limits of durable-rules 2.0.28 (shared/notes/durable-rules/REPORT.md, section 3)
MAX_PATTERNS = 16          # patterns per rule (17 is accepted, then fails at assert time)
MAX_RULES = 4096           # actions per ruleset
MAX_ALPHA_CHILDREN = 64    # tests that may be true at once for one fact under one node
MAX_DISTINCT_NAMES = 512   # distinct equality tests under one node (513 hangs create_ruleset)
MAX_SHARED = 256           # rules sharing one identical condition
MAX_DNF = 64               # our own bound on how far a condition may expand

INCREASING = {"includes_any": True, "includes_all": True, "includes_only": False}
_COMPARE = {"greater_than": "$gt", "at_least": "$gte", "less_than": "$lt", "at_most": "$lte",
            "on_or_after": "$gte", "before": "$lt"}
_COMPLEMENT = {"$gt": "$lte", "$gte": "$lt", "$lt": "$gte", "$lte": "$gt"}


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
    definition: dict                           # durable ruleset JSON (without actions)
    actions: dict[str, tuple[str, str, int]]   # durable rule name -> (rule id, variant, conjunct)
    consumed_here: set[str]                    # codes derived and read inside this stratum
    needs: list[str]                           # codes from earlier strata to assert as facts
    fact_names: set[str]                       # incident facts the stratum reads
    codes: dict[str, str]                      # rule id -> the conclusion it yields


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
        for c in conj:
            if len(c) > MAX_PATTERNS:
                errors.append(err(v.when_path, f"rule '{rid}' needs {len(c)} facts at once; the "
                                  f"engine allows {MAX_PATTERNS}", "split the condition into two rules "
                                  "joined by an intermediate conclusion"))
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
    strata = _build_strata(compiled, producers, kb)
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

    for rid in sorted(compiled):
        visit(rid, [])
    for rid, cr in compiled.items():
        cr.stratum = level[rid]


def _build_strata(compiled: dict[str, CompiledRule], producers, kb: KB) -> list[Stratum]:
    count = max(cr.stratum for cr in compiled.values()) + 1
    strata = []
    for k in range(count):
        ids = sorted(rid for rid, cr in compiled.items() if cr.stratum == k)
        here_codes = {compiled[r].version.then["conclude"] for r in ids}
        consumed_here, needs, fact_names = set(), set(), set()
        definition, actions = {}, {}
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
            for i, conj in enumerate(cr.conjuncts):
                for variant in ("L", "U"):
                    name = f"{rid}#{variant}{i}"
                    pats = [{f"a{j}": _pattern(lit, variant == "L")} for j, lit in enumerate(conj)]
                    definition[name] = {"all": pats, "dist": 0}
                    actions[name] = (rid, variant, i)
        if not definition:
            continue
        _check_limits(definition, actions, compiled)
        codes = {r: compiled[r].version.then["conclude"] for r in ids}
        strata.append(Stratum(k, ids, definition, actions, consumed_here, sorted(needs), fact_names,
                              codes))
    return strata


def _pattern(lit: Lit, lower: bool) -> dict:
    if lit.kind == "concl":
        if lit.positive:
            level = {"l": "T"} if lower else {"$neq": {"l": "F"}}
        else:
            level = {"l": "F"} if lower else {"$neq": {"l": "T"}}
        return {"$and": [{"t": "c"}, {"c": lit.name}, level]}
    base = [{"t": "f"}, {"n": lit.name}]
    unknown = {"$and": [{"t": "u"}, {"n": lit.name}]}
    if lit.op == "is_known":
        return {"$and": base} if lit.positive else unknown
    if lit.fact_kind == "set":
        increasing = INCREASING[lit.op] if lit.positive else not INCREASING[lit.op]
        arr = ("v" if increasing else "p") if lower else ("p" if increasing else "v")
        domain = vocabulary().facts[lit.name].values
        known = {"$and": base + [_set_test(lit.op, lit.value, arr, lit.positive, domain)]}
    else:
        known = {"$and": base + [_scalar_test(lit.op, lit.value, lit.positive)]}
    return known if lower else {"$or": [known, unknown]}


def _or(tests: list[dict]) -> dict:
    return tests[0] if len(tests) == 1 else {"$or": tests}


def _and(tests: list[dict]) -> dict:
    return tests[0] if len(tests) == 1 else {"$and": tests}


def _scalar_test(op: str, value, positive: bool) -> dict:
    if op == "equals":
        return {"v": value} if positive else {"$neq": {"v": value}}
    if op == "in":
        return _or([{"v": x} for x in value]) if positive else _and([{"$neq": {"v": x}} for x in value])
    cmp = _COMPARE[op]
    return {cmp if positive else _COMPLEMENT[cmp]: {"v": value}}


def _set_test(op: str, values: list, arr: str, positive: bool, domain: tuple) -> dict:
    """A list-membership test built only from single-value $iany/$iall tests.

    durable-rules 2.0.28 leaves `expression.right.type` uninitialised on the node it creates for
    a compound ($or/$and) test and reads it when that node sits inside $iany/$iall (rete.c:1313):
    create_ruleset then fails at random with error 102. So a compound test is always outside:
    "any of S" is an $or of single $iany tests, "only S" is "none of the rest of the domain".
    """
    def has(x):
        return {"$iany": {arr: {"$i": x}}}

    def lacks(x):
        return {"$iall": {arr: {"$neq": {"$i": x}}}}

    if op == "includes_any":
        return _or([has(x) for x in values]) if positive else _and([lacks(x) for x in values])
    if op == "includes_all":
        return _and([has(x) for x in values]) if positive else _or([lacks(x) for x in values])
    # includes_only: no member outside the listed values (the sentinel is never in the domain)
    rest = [x for x in domain if x not in values]
    if not rest:
        raise ValueError("includes_only lists every possible value, so it always holds")
    return _and([lacks(x) for x in rest]) if positive else _or([has(x) for x in rest])


def _no_compound_in_array_test(node, rule: str) -> None:
    """Guard for the durable-rules fault described in _set_test: it must never come back."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("$iany", "$iall"):
                (inner,) = value.values()
                if isinstance(inner, dict) and ("$or" in inner or "$and" in inner):
                    raise AssertionError(f"compiler produced a compound test inside {key} in {rule}")
            _no_compound_in_array_test(value, rule)
    elif isinstance(node, list):
        for item in node:
            _no_compound_in_array_test(item, rule)


def _check_limits(definition: dict, actions: dict, compiled: dict[str, CompiledRule]) -> None:
    def where(name: str):
        v = compiled[actions[name][0]].version
        return v.file, v.line

    if len(definition) > MAX_RULES:
        raise InputError(f"a stratum compiles to {len(definition)} engine rules; the engine allows "
                         f"{MAX_RULES}", kind="compile", hint="split the knowledge base")
    for name, d in definition.items():
        for pat in d["all"]:
            _no_compound_in_array_test(pat, name)
    # distinct tests per fact and distinct names per kind, each with the engine rule that first
    # used it, so a limit that is passed can be blamed on the rule that passed it (file:line)
    per_fact: dict[str, dict[str, str]] = defaultdict(dict)
    names: dict[str, dict[str, str]] = defaultdict(dict)
    shared: dict[str, list[str]] = defaultdict(list)
    # durable-rules gives every `$or` its own node, never shared even when identical, hung under
    # the nodes of its alternatives; when those hold, all of them are visited at once, and past 64
    # the assessment fails with error 303 (measured: 65 rules `equals` on one fact, unknown; 33
    # rules `in` / `includes_any` on one fact, known). So count, per fact and without merging
    # duplicates, the `$or` of each U (possible) pattern and the `$or` nested inside any pattern.
    forward: dict[str, list[str]] = defaultdict(list)
    nested: dict[str, list[str]] = defaultdict(list)
    for name, d in definition.items():
        for pat in d["all"]:
            (body,) = pat.values()
            shared[json.dumps(body, sort_keys=True)].append(name)
            fact = next((p.get("n") or p.get("c") for b in body.get("$or", [body])
                         for p in b.get("$and", [b]) if "n" in p or "c" in p), None)
            if "$or" in body:
                forward[fact].append(name)
            nested[fact].extend([name] * _nested_ors(body))
            for branch in body.get("$or", [body]):
                parts = branch.get("$and", [branch])
                t = next((p["t"] for p in parts if "t" in p), None)
                n = next((p.get("n") or p.get("c") for p in parts if "n" in p or "c" in p), None)
                rest = [p for p in parts if "t" not in p and "n" not in p and "c" not in p]
                names[t].setdefault(n, name)
                per_fact[f"{t}:{n}"].setdefault(json.dumps(rest, sort_keys=True), name)
    for t, ns in sorted(names.items(), key=lambda kv: str(kv[0])):
        if len(ns) > MAX_DISTINCT_NAMES:
            file, line = where(list(ns.values())[MAX_DISTINCT_NAMES])
            raise InputError(f"more than {MAX_DISTINCT_NAMES} distinct names of kind '{t}' in one "
                             "stratum; the engine would hang", file=file, line=line, kind="compile",
                             hint="split the rules that read them across conclusions in other strata")
    for key, tests in sorted(per_fact.items()):
        if len(tests) > MAX_ALPHA_CHILDREN:
            first_over = list(tests.values())[MAX_ALPHA_CHILDREN]
            file, line = where(first_over)
            raise InputError(f"{len(tests)} different tests on '{key.split(':', 1)[1]}' in one stratum "
                             f"(rule '{actions[first_over][0]}' adds test {MAX_ALPHA_CHILDREN + 1}); "
                             f"the engine allows {MAX_ALPHA_CHILDREN} that may hold at once",
                             file=file, line=line, kind="compile",
                             hint="share tests through an intermediate conclusion")
    for what, counts in (("conditions on '{}' may all hold at once when it is unknown", forward),
                         ("alternatives (in, includes_...) on '{}' may hold at once", nested)):
        for fact, users in sorted(counts.items(), key=lambda kv: str(kv[0])):
            if len(users) > MAX_ALPHA_CHILDREN:
                file, line = where(users[MAX_ALPHA_CHILDREN])
                raise InputError(f"in one stratum, {len(users)} {what.format(fact)} (rule "
                                 f"'{actions[users[MAX_ALPHA_CHILDREN]][0]}' adds number "
                                 f"{MAX_ALPHA_CHILDREN + 1}); the engine allows {MAX_ALPHA_CHILDREN}",
                                 file=file, line=line, kind="compile",
                                 hint="derive the shared test once as a conclusion and test that "
                                      "instead")
    for body, users in sorted(shared.items()):
        if len(users) > MAX_SHARED:
            file, line = where(users[MAX_SHARED])
            raise InputError(f"{len(users)} engine rules share one identical condition (rule "
                             f"'{actions[users[MAX_SHARED]][0]}' is number {MAX_SHARED + 1}); the "
                             f"engine allows {MAX_SHARED}", file=file, line=line, kind="compile",
                             hint="derive it once as a conclusion and test that instead")


def _nested_ors(node, top: bool = True) -> int:
    """How many `$or` a pattern holds below its top level (each becomes its own engine node)."""
    if isinstance(node, dict):
        inner = sum(_nested_ors(v, False) for v in node.values())
        return inner + (1 if "$or" in node and not top else 0)
    if isinstance(node, list):
        return sum(_nested_ors(x, False) for x in node)
    return 0
