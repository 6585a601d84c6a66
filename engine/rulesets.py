"""Compiled rules of one stratum -> durable-rules rulesets whose network stays inside its limits.

Facts. Each atom of the incident (engine/facts.py) becomes one durable fact that carries its own
test outcomes as plain values, so that every rule test is a single-value test durable can share:

    {"id": "a<ATOM>", "F<j>": 1, "k": 1|0,            ATOM: the atom's index in the incident;
                                                      F<j>: the fact's name, as a property
                                                      (j: its index in the ruleset's facts);
                                                      k: known or not
     "x<i>": "c" | "m" | "o",                         list/enum/yes-no facts: value i of the fact's
                                                      vocabulary is certainly there (c), may be (m)
                                                      or certainly not (o); an unknown fact is all m
     "lo": LOW, "hi": HIGH}                           numbers and dates: the least and most it may be
                                                      (equal when known; the whole range if unknown)
     "g<j>": 1 | 0}                                   disjunctive test j may hold on it (see below)
    {"t": "c", "h": BUCKET, "c": CODE, "C<k>": 1, "l": "T"|"M"|"F"}   a conclusion derived in
                                                      the stratum (C<k>: its code, as a property)
                                                      and its level (T and M can both be there)
    {"t": "L", "h": BUCKET, "k": 1, "c<i>": "T"|"M"|"F", ...}   the final levels of the earlier
                                                      strata's conclusions the ruleset reads
                                                      (code i of the stratum's list), in one fact
Only the `x<i>`, `lo`/`hi` and `g<j>` values some rule of the ruleset tests are written.
A pattern finds its fact by the *name property* (`F<j> == 1`, `C<k> == 1`), not by `n == NAME`:
durable keeps a node's children in a table keyed by property name, and tests every child on a
property the fact has, so forty `n == ...` children cost forty tests for every fact, and forty
name properties cost one (a fact has exactly one of them; engine/limits.py counts them so).
An atom's fact carries nothing else it need not: every node a fact reaches probes its table once
per property of the fact, so the type and name (`t`, `n`) and a separate index are left out.

Rules. A conjunct (one alternative of a rule's condition in disjunctive normal form) becomes one
durable rule matching where it *could* hold: each literal is a chain of "may" tests (`x<i> != o`,
`hi > 1000`, `l != F`, ...), the literals on one fact share one pattern. When durable fires it,
the engine reads from the matched atoms whether every literal holds *certainly*
(engine/literal.py) and records a certain firing too; a derived conclusion is asserted back with
level T (certain) and M (possible), exactly as the two-variant compilation of the first design did,
with half its network (and session cost).

Disjunctive tests (`in`, `includes_any` of several values, the negations of `includes_all` and
`includes_only`) would need `$or`, which durable never shares: each gets its own node under every
alternative, and past 64 holding at once the assertion fails. Instead each distinct disjunctive
test j of a stratum is compiled, like every test, to chains of single-value tests on the encoded
fact (`literal_tests`: one chain per alternative), and the value `g<j>` the fact carries says
whether one of those chains holds on it (`_chain_holds`, when the atom is encoded; cached per
atom); the rules using the test match `g<j> == 1` in their pattern on the fact. The first design
let durable match the alternatives as small rules asserting a derived fact: a fifth of every
session's network, an eighth of its firings and a tenth of its facts, for the same outcome.

Limits. Each ruleset's alpha network is rebuilt in engine/limits.py's model and checked there.
"""
from __future__ import annotations

import json
import operator
from collections import defaultdict
from dataclasses import dataclass, field

from . import limits as L
from .conditions import Lit
from .facts import SENTINEL
from .limits import EQ, GT, GTE, LT, LTE, NEQ, AlphaTree, AlphaTest, name_family
from .vocabulary import Vocabulary

END = "__end__"
END_PRI = 65535
ORDERED = ("number", "quantity", "series", "date")
FINITE = ("enum", "bool", "set")
# the whole range of an unknown number or date (durable compares integers as int64, and ISO dates
# as text); rules may not test these values themselves (checked in `_range_tests`)
RANGE = {"number": (-(2 ** 63) + 1, 2 ** 63 - 1), "date": ("0000-00-00", "9999-99-99")}
GROUP_SIZE = 8                  # member tests under one always-true node (keeps fan-out small)
BUCKET_SIZE = 256               # conclusion names under one node
LEVELS_SIZE = 128               # earlier strata's conclusions in one levels fact (properties)


@dataclass(frozen=True)
class Action:
    """What to do when one durable rule fires."""
    rule: str                       # rule id
    conjunct: int
    code: str | None                # conclusion of the rule
    judgment: bool
    lits: tuple                     # literal per position of the conjunct
    slots: tuple                    # position -> index of the pattern that matched its atom
    assert_code: bool               # a rule of this ruleset reads the conclusion


@dataclass
class FactProps:
    """Which encoded values one fact needs in a ruleset."""
    members: set = field(default_factory=set)     # indices into the fact's vocabulary values
    ranged: bool = False
    groups: dict = field(default_factory=dict)    # disjunctive test j -> its alternatives (chains)

    @property
    def group_members(self) -> set:
        """The values the alternatives of its disjunctive tests read."""
        return {int(t.prop[1:]) for alts in self.groups.values() for chain in alts for t in chain
                if t.prop.startswith("x")}


@dataclass
class RulesetPlan:
    stratum: int
    index: int
    rules: list[str]                       # rule ids
    definition: dict                       # durable-rules JSON, without actions
    actions: dict[str, Action]
    props: dict[str, FactProps]            # fact name -> values to encode
    kinds: dict[str, str]                  # fact name -> vocabulary kind
    domains: dict[str, dict]               # fact name -> {value: index}
    buckets: dict[str, int]                # conclusion code -> bucket
    needs: list[str]                       # earlier strata's codes this ruleset reads
    usage: dict[str, tuple]                # limit key -> (amount, where)
    levels: dict[str, int] = field(default_factory=dict)   # needed code -> its c<i> in a levels fact
    fact_ids: dict[str, int] = field(default_factory=dict)  # fact name -> j of its property F<j>
    code_ids: dict[str, int] = field(default_factory=dict)  # conclusion code -> k of its C<k>

    @property
    def fact_names(self) -> set[str]:
        return set(self.props)


# ---- facts ---------------------------------------------------------------------------------

def domain_of(fdef) -> tuple:
    return (True, False) if fdef.kind == "bool" else tuple(fdef.values)


def _range_kind(kind: str) -> str:
    return "date" if kind == "date" else "number"


def encode_atom(plan: RulesetPlan, atom: dict, index: int, sid: str) -> dict:
    """The durable fact of one atom (keys in the order the session's message parser expects:
    the atom index first)."""
    name = atom["n"]
    kind = plan.kinds[name]
    known = atom["t"] == "f"
    out = {"id": f"a{index}", "sid": sid, f"F{plan.fact_ids[name]}": 1, "k": 1 if known else 0}
    props = plan.props[name]
    members = props.members | props.group_members
    states = {}
    if members:
        domain = plan.domains[name]
        if not known:
            states = dict.fromkeys(sorted(members), "m")
        elif kind == "set":
            sure = {domain[v] for v in atom["v"] if v != SENTINEL}
            maybe = {domain[v] for v in atom.get("p", ()) if v != SENTINEL}
            states = {i: "c" if i in sure else ("m" if i in maybe else "o")
                      for i in sorted(members)}
        else:
            held = domain.get(atom["v"])
            states = {i: "c" if i == held else "o" for i in sorted(members)}
        for i in sorted(props.members):
            out[f"x{i}"] = states[i]
    if props.ranged:
        if known:
            out["lo"] = out["hi"] = atom["v"]
        else:
            out["lo"], out["hi"] = RANGE[_range_kind(kind)]
    if props.groups:
        full = {"k": out["k"], **{f"x{i}": v for i, v in states.items()}}
        for j, alternatives in sorted(props.groups.items()):
            out[f"g{j}"] = 1 if any(_chain_holds(chain, full) for chain in alternatives) else 0
    return out


_HOLDS = {EQ: operator.eq, NEQ: operator.ne, LT: operator.lt, LTE: operator.le, GT: operator.gt,
          GTE: operator.ge}


def _chain_holds(chain: list[AlphaTest], fact: dict) -> bool:
    """Whether every single-value test of `chain` holds on an encoded fact, as durable's alpha
    network would decide it (a property the fact lacks fails the test)."""
    for t in chain:
        value = fact.get(t.prop)
        if value is None or not _HOLDS[t.op](value, t.value):
            return False
    return True


def encoded_tail(plan: RulesetPlan, atom: dict) -> str:
    """The JSON text of an atom's durable fact after its index and session id (see
    `encode_atom`): the same for every incident that states the same atom."""
    fact = encode_atom(plan, atom, 0, "")
    del fact["id"], fact["sid"]
    return json.dumps(fact, ensure_ascii=False)[1:]


# ---- tests of one literal -------------------------------------------------------------------

_MAY = {  # op -> (property, operator) of the "may hold" test, for a positive literal
    "greater_than": ("hi", GT), "at_least": ("hi", GTE), "on_or_after": ("hi", GTE),
    "less_than": ("lo", LT), "at_most": ("lo", LTE), "before": ("lo", LT),
}
_NOT = {"greater_than": "at_most", "at_least": "less_than", "on_or_after": "before",
        "less_than": "at_least", "at_most": "greater_than", "before": "on_or_after"}


def _group_test(i: int) -> AlphaTest:
    # always true (k is 0 or 1): it only gathers the tests on values i//8*8 .. +7 under one node
    return AlphaTest("k", NEQ, -1 - i // GROUP_SIZE)


def _disjunction_chain(groups: list[int]) -> list[AlphaTest]:
    """Tests `g<j> == 1` under an always-true node per eight disjunctive tests (so that few of
    them hold at once for one fact, as for the member tests)."""
    groups = sorted(set(groups))
    return [AlphaTest("k", NEQ, -100_000 - groups[0] // GROUP_SIZE)] + \
        [AlphaTest(f"g{j}", EQ, 1) for j in groups]


def _member_chain(members: list[tuple[int, str]]) -> list[AlphaTest]:
    """Tests `x<i> != state` for each (i, state), under the group node of the first value."""
    members = sorted(set(members))
    return [_group_test(members[0][0])] + [AlphaTest(f"x{i}", NEQ, s) for i, s in members]


def literal_tests(lit: Lit, domain: dict, vocab_values: tuple) -> list[list[AlphaTest]]:
    """The alternatives (chains of tests on the literal's own fact) under which it may hold.

    One alternative: a plain test, shared by every rule that uses it. Several: a disjunctive
    test, compiled as a group."""
    op, pos = lit.op, lit.positive
    if op == "is_known":
        return [[AlphaTest("k", EQ, 1 if pos else 0)]]
    kind = lit.fact_kind
    if kind in ORDERED:
        if op == "equals":
            if pos:
                return [[AlphaTest("lo", LTE, lit.value), AlphaTest("hi", GTE, lit.value)]]
            return [[AlphaTest("lo", NEQ, lit.value)]]
        prop, cmp = _MAY[op if pos else _NOT[op]]
        return [[AlphaTest(prop, cmp, lit.value)]]
    if kind == "set":
        values = [domain[v] for v in lit.value]
        rest = [domain[v] for v in vocab_values if v not in lit.value]
        if op == "includes_only":
            # may hold: no certain member outside; may fail: some member outside is possible
            return [_member_chain([(i, "c") for i in rest])] if pos else _any(rest, "o")
        if op == "includes_all":
            return [_member_chain([(i, "o") for i in values])] if pos else _any(values, "c")
        # includes_any
        return _any(values, "o") if pos else [_member_chain([(i, "c") for i in values])]
    # enum / bool: equals, in
    values = [domain[v] for v in (lit.value if op == "in" else [lit.value])]
    return _any(values, "o") if pos else [_member_chain([(i, "c") for i in values])]


def _any(indices: list[int], excluded: str) -> list[list[AlphaTest]]:
    """Some value i may be in the state other than `excluded`: one alternative per value for a
    known fact, and one for an unknown fact (which may be anything)."""
    if len(indices) == 1:
        return [_member_chain([(indices[0], excluded)])]
    known = [[AlphaTest("k", EQ, 1)] + _member_chain([(i, excluded)]) for i in sorted(indices)]
    return known + [[AlphaTest("k", EQ, 0)]]


def _range_check(lit: Lit, err) -> None:
    lo, hi = RANGE[_range_kind(lit.fact_kind)]
    v = lit.value
    if lit.op != "is_known" and isinstance(v, (int, float, str)) and not isinstance(v, bool):
        if type(v) is type(lo) and not lo < v < hi:
            raise err(f"the value {v!r} is outside what the engine compares "
                      f"({lo} .. {hi})", "use a value inside that range")


# ---- one stratum -> rulesets -------------------------------------------------------------------

@dataclass
class _RuleUnit:
    """One rule of the stratum: its durable rules, ready to be placed in a ruleset."""
    rid: str
    chains: list            # (durable rule name, [(alias, kind, chain tests)], Action)
    groups: set             # group keys it uses
    reads_here: set         # codes of this stratum it reads
    produces: str
    patterns: int           # beta nodes it adds


def plan_stratum(stratum_index: int, rule_ids: list[str], compiled: dict, codes_here: set,
                 vocab: Vocabulary, where) -> list[RulesetPlan]:
    """Rulesets for one stratum. `where(rid, message, hint)` builds an InputError at the rule's
    condition (file:line)."""
    units: dict[str, _RuleUnit] = {}
    # the earlier strata's conclusions the stratum reads, each a property c<i> of a levels fact:
    # a rule reading several of them tests them in one pattern
    earlier = sorted({lit.name for rid in rule_ids for conj in compiled[rid].conjuncts
                      for lit in conj if lit.kind == "concl" and lit.name not in codes_here})
    level_at = {code: i for i, code in enumerate(earlier)}
    group_of: dict[tuple, int] = {}
    group_alts: dict[int, tuple] = {}          # group -> (fact name, lit, alternatives)
    domains: dict[str, dict] = {}
    for rid in rule_ids:
        cr = compiled[rid]
        v = cr.version
        code = v.then["conclude"]
        unit = _RuleUnit(rid, [], set(), set(), code, 0)
        for ci, conj in enumerate(cr.conjuncts):
            patterns: list[tuple[str, object, list[AlphaTest]]] = []     # (kind, key, chain)
            by_fact: dict = {}              # fact name (or levels fact) -> its pattern
            slots = []
            for lit in conj:
                if lit.kind == "concl" and lit.name in level_at:
                    i = level_at[lit.name]
                    test = AlphaTest(f"c{i}", NEQ, "F" if lit.positive else "T")
                    key = ("L", i // LEVELS_SIZE)
                    if key in by_fact:
                        patterns[by_fact[key]][2].append(test)
                    else:
                        by_fact[key] = len(patterns)
                        patterns.append(("L", key[1], [test]))
                    slots.append(by_fact[key])
                    continue
                if lit.kind == "concl":
                    if lit.name in codes_here:
                        unit.reads_here.add(lit.name)
                    level = AlphaTest("l", NEQ, "F" if lit.positive else "T")
                    patterns.append(("c", lit.name, [level]))
                    slots.append(len(patterns) - 1)
                    continue
                fdef = vocab.facts[lit.name]
                domain = domains.setdefault(lit.name, {x: i for i, x in enumerate(domain_of(fdef))}) \
                    if fdef.kind in FINITE else {}
                if fdef.kind in ORDERED and lit.op != "is_known":
                    _range_check(lit, lambda m, h, r=rid: where(r, m, h))
                alts = literal_tests(lit, domain, domain_of(fdef) if fdef.kind in FINITE else ())
                if len(alts) > 1:
                    key = (lit.name, lit.op, lit.positive, json.dumps(lit.value, sort_keys=True))
                    g = group_of.setdefault(key, len(group_of))
                    group_alts[g] = (lit.name, lit, alts)
                    unit.groups.add(g)
                    alts = [[AlphaTest(f"g{g}", EQ, 1)]]
                if fdef.kind == "series":            # several atoms: each literal its own pattern
                    patterns.append(("f", lit.name, list(alts[0])))
                    slots.append(len(patterns) - 1)
                    continue
                if lit.name in by_fact:
                    j = by_fact[lit.name]
                    patterns[j][2].extend(alts[0])
                else:
                    by_fact[lit.name] = len(patterns)
                    patterns.append(("f", lit.name, list(alts[0])))
                slots.append(by_fact[lit.name])
            if len(patterns) > L.PATTERNS.allowed:
                raise where(rid, f"rule '{rid}' needs {len(patterns)} facts at once; the engine "
                                 f"allows {L.PATTERNS.allowed}",
                            "split the condition into two rules joined by an intermediate "
                            "conclusion")
            action = Action(rid, ci, code, v.judgment is not None, tuple(conj), tuple(slots),
                            False)
            unit.chains.append((f"{rid}#{ci}", patterns, action))
            unit.patterns += len(patterns)
        units[rid] = unit

    # rules that read each other's conclusions in this stratum stay in one ruleset
    parent = {rid: rid for rid in units}

    def find(r):
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r
    producers = defaultdict(list)
    for rid, u in units.items():
        producers[u.produces].append(rid)
    for rid, u in units.items():
        for code in u.reads_here:
            for p in producers[code]:
                parent[find(p)] = find(rid)
    components: dict[str, list[str]] = defaultdict(list)
    for rid in sorted(units):
        components[find(rid)].append(rid)
    ordered = sorted(components.values(), key=lambda rs: rs[0])

    # pack components into rulesets by session size
    packs: list[list[str]] = []
    size = 0
    for comp in ordered:
        comp_size = sum(units[r].patterns for r in comp)
        if packs and size + comp_size <= L.SESSION_SIZE.allowed:
            packs[-1].extend(comp)
            size += comp_size
        else:
            packs.append(list(comp))
            size = comp_size
    plans = [_build(stratum_index, k, sorted(pack), units, group_alts, domains, vocab, where,
                    earlier)
             for k, pack in enumerate(packs)]
    return plans


def _build(stratum_index: int, index: int, rule_ids: list[str], units: dict, group_alts: dict,
           domains: dict, vocab: Vocabulary, where, earlier: list[str]) -> RulesetPlan:
    here = {units[r].produces for r in rule_ids}
    consumed = set().union(*(units[r].reads_here for r in rule_ids)) & here
    groups = sorted(set().union(*(units[r].groups for r in rule_ids)))
    props: dict[str, FactProps] = {}
    kinds: dict[str, str] = {}
    codes_read: set[str] = set()
    # (durable rule name, [(kind, key, chain)], Action)
    entries: list[tuple[str, list, Action]] = []
    for rid in rule_ids:
        for name, patterns, action in units[rid].chains:
            entries.append((name, patterns, Action(**{**action.__dict__,
                                                       "assert_code": action.code in consumed})))
    levels: dict[str, int] = {}
    for _name, patterns, _action in entries:
        for kind, key, chain in patterns:
            if kind == "c":
                codes_read.add(key)
            elif kind == "L":
                for t in chain:
                    levels[earlier[int(t.prop[1:])]] = int(t.prop[1:])
            elif kind == "f":
                fdef = vocab.facts[key]
                kinds[key] = fdef.kind
                p = props.setdefault(key, FactProps())
                for t in chain:
                    if t.prop.startswith("x"):
                        p.members.add(int(t.prop[1:]))
                    elif t.prop in ("lo", "hi"):
                        p.ranged = True
    for g in groups:
        fact, _lit, alts = group_alts[g]
        kinds[fact] = vocab.facts[fact].kind
        props.setdefault(fact, FactProps()).groups[g] = [list(chain) for chain in alts]
    code_ids = {code: i for i, code in enumerate(sorted(codes_read | here))}
    buckets = {code: i // BUCKET_SIZE for code, i in code_ids.items()}
    fact_ids = {name: j for j, name in enumerate(sorted(props))}

    # the chains as durable will see them, then spread patterns that would share one path
    tree = AlphaTree()
    built: list[tuple[str, list[list[AlphaTest]], Action]] = []
    for name, patterns, action in entries:
        chains = []
        for kind, key, chain in patterns:
            if kind == "c":
                head = [AlphaTest("t", EQ, "c"), AlphaTest("h", EQ, buckets[key]),
                        AlphaTest(f"C{code_ids[key]}", EQ, 1)]
            elif kind == "L":
                head = [AlphaTest("t", EQ, "L"), AlphaTest("h", EQ, key)]
            else:
                head = [AlphaTest(f"F{fact_ids[key]}", EQ, 1)]
            chains.append(head + _canonical(chain))
        built.append((name, chains, action))
    users: dict[tuple, int] = defaultdict(int)
    for name, chains, action in built:
        for chain in chains:
            n = users[tuple(t.key() for t in chain)]
            users[tuple(t.key() for t in chain)] += 1
            if n >= L.BETA_LIST.allowed:      # spread: an always-true test (every fact has an id)
                chain.append(AlphaTest("id", NEQ, f"~{n // L.BETA_LIST.allowed}"))
            tree.add(chain, action.rule)
    definition = {}
    actions = {}
    for name, chains, action in built:
        definition[name] = {"all": [{f"a{j}": {"$and": [t.json() for t in chain]}}
                                    for j, chain in enumerate(chains)], "dist": 0}
        actions[name] = action
    definition[END] = {"pri": END_PRI, "all": [{"m": {"t": END}}]}
    tree.add([AlphaTest("t", EQ, END)], END)

    names = {**{f"F{j}": name for name, j in fact_ids.items()},
             **{f"C{k}": code for code, k in code_ids.items()}}
    usage = _check(tree, definition, actions, props, kinds, rule_ids, vocab, where, levels, names)
    return RulesetPlan(stratum_index, index, rule_ids, definition, actions, props, kinds,
                       {k: domains[k] for k in props if k in domains}, buckets, sorted(levels),
                       usage, levels, fact_ids, code_ids)


def _canonical(chain: list[AlphaTest]) -> list[AlphaTest]:
    """One order for the tests of a pattern, so that equal tests are shared: known-ness, then
    ranges, then the member tests under their group node."""
    seen, out = set(), []
    ks = [t for t in chain if t.prop == "k" and t.op == EQ]
    ranges = sorted((t for t in chain if t.prop in ("lo", "hi")), key=AlphaTest.key)
    members = sorted(((int(t.prop[1:]), t.value) for t in chain if t.prop.startswith("x")))
    disjunctions = sorted(int(t.prop[1:]) for t in chain if t.prop.startswith("g"))
    levels = sorted((int(t.prop[1:]), t.value) for t in chain if _is_level(t))
    rest = sorted((t for t in chain if t.prop not in ("k", "lo", "hi")
                   and not t.prop.startswith(("x", "g")) and not _is_level(t)), key=AlphaTest.key)
    for t in ks + ranges + rest + (_member_chain(members) if members else []) + \
            (_disjunction_chain(disjunctions) if disjunctions else []) + \
            (_levels_chain(levels) if levels else []):
        if t.key() not in seen:
            seen.add(t.key())
            out.append(t)
    return out


def _is_level(t: AlphaTest) -> bool:
    return t.prop[0] == "c" and t.prop[1:].isdigit()


def _levels_chain(levels: list[tuple[int, str]]) -> list[AlphaTest]:
    """Tests `c<i> != level` on a levels fact, under an always-true node per eight conclusions
    (so that few of them hold at once, as for the member tests)."""
    levels = sorted(set(levels))
    return [AlphaTest("k", NEQ, -200_000 - levels[0][0] // GROUP_SIZE)] + \
        [AlphaTest(f"c{i}", NEQ, v) for i, v in levels]


def _check(tree: AlphaTree, definition: dict, actions: dict, props: dict, kinds: dict,
           rule_ids: list[str], vocab: Vocabulary, where, levels: dict,
           names: dict[str, str]) -> dict[str, tuple]:
    """Check every modelled limit of one ruleset; return how much of each is used, and where."""
    usage: dict[str, tuple] = {}

    def blame(users) -> str:
        return next((u for u in users if u in rule_ids), rule_ids[0] if rule_ids else "")

    if len(definition) > L.ACTIONS.allowed:
        raise where(rule_ids[-1], f"a ruleset of {len(definition)} engine rules; the engine "
                    f"allows {L.ACTIONS.allowed}", "split the knowledge base")
    usage["actions"] = (len(definition), "")
    usage["session_size"] = (sum(len(d["all"]) for d in definition.values()), "")
    children = (0, "", None)
    beta = (0, "", None)
    for node, path in tree.nodes():
        if len(node.children) > children[0]:
            children = (len(node.children), _describe(path, names), node)
        if node.beta > beta[0]:
            beta = (node.beta, _describe(path, names), node)
    for key, (amount, what, node), limit in (("children", children, L.CHILDREN),
                                             ("beta_list", beta, L.BETA_LIST)):
        usage[key] = (amount, what)
        if amount > limit.allowed:
            users = [u for c in node.children.values() for u in c.users] if key == "children" \
                else node.users
            raise where(blame(users), f"{amount} engine tests under one node ({what}); the "
                        f"engine allows {limit.allowed} ({limit.source}: {limit.engine})",
                        "derive the shared test once as a conclusion and test that instead")
    peak, path = tree.stack_peak()
    usage["stack"] = (peak, _describe(path, names))
    if peak > L.STACK.allowed:
        # blame the rule whose test is the first past the limit, at the widest node on the path
        node, widest = tree.root, (tree.passing_bound(tree.root), tree.root)
        for t in path:
            node = node.children[t.key()]
            widest = max(widest, (tree.passing_bound(node), node), key=lambda w: w[0])
        kids = list(widest[1].children.values())
        culprit = kids[max(0, min(len(kids) - 1, len(kids) - (peak - L.STACK.allowed)))]
        users = [u for u in _users_below(culprit) if u in rule_ids] or rule_ids
        raise where(users[0], f"{peak} engine tests on '{_describe(path, names)}' can hold at once for "
                    f"one fact (rule '{users[0]}' adds number {L.STACK.allowed + 1}); the engine "
                    f"allows {L.STACK.allowed} (durable-rules fails past {L.STACK.engine}, "
                    f"{L.STACK.source})",
                    "test fewer different values of this fact, or derive the shared test once "
                    "as a conclusion and test that")
    worst_props = (0, "")
    for name, p in props.items():
        # sid, id, F<j>, k and the encoded values
        count = 4 + len(p.members) + (2 if p.ranged else 0) + len(p.groups)
        if count > worst_props[0]:
            worst_props = (count, name)
    per_fact = defaultdict(int)
    for i in levels.values():
        per_fact[i // LEVELS_SIZE] += 1
    for bucket, n in per_fact.items():
        if 5 + n > worst_props[0]:
            worst_props = (5 + n, "earlier conclusions' levels")
    usage["properties"] = worst_props
    if worst_props[0] > L.PROPERTIES.allowed:
        raise where(rule_ids[0], f"facts of '{worst_props[1]}' would need {worst_props[0]} "
                    f"properties; the engine allows {L.PROPERTIES.allowed}",
                    "test fewer of its values")
    usage["patterns"] = max(((len(d["all"]), name.split("#")[0]) for name, d in definition.items()),
                            default=(0, ""))
    usage["next_list"] = (0, "")
    return usage


def _users_below(node) -> list:
    out, stack = [], [node]
    while stack:
        n = stack.pop(0)
        out.extend(n.users)
        stack.extend(n.children.values())
    return out


def _describe(path: tuple, names: dict[str, str]) -> str:
    """Name the fact or conclusion a path of tests is about (`names`: name property -> the fact
    name or conclusion code it stands for)."""
    props = {t.prop: t.value for t in path if t.op == EQ}
    named = next((names[p] for p in props if p in names), None)
    if named and any(name_family(p) == name_family("F0") for p in props):
        return named
    if props.get("t") == "c":
        return f"conclusion {named}" if named else "conclusion names"
    if props.get("t") == "L":
        return "earlier conclusions' levels"
    return "fact names and types"
