"""Resolve rule firings into statuses: established, undetermined, needs review, excluded, or not.

For each rule:
  raw    T  an L (certain) firing, and the rule is not a judgment
         M  only U (possible) firings, or an L firing of a rule that asks for a judgment
         F  no firing
  final  raw, then defeat: an exception that holds (T) excludes the rule (X); an exception that
         may hold (M) makes the rule at most M, and its open points become the rule's.
For each conclusion code, the best final status among the rules that yield it.
The open points of an M status are what would decide it: unknown facts (questions), possible set
members to confirm, and judgments (needs review), inherited through the conclusions it rests on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from .compile import CompiledKB
from .facts import SENTINEL, FactSet
from .memo import keep
from .evaluator import Firing

ESTABLISHED, UNDETERMINED, NEEDS_REVIEW, EXCLUDED, NOT_ESTABLISHED = (
    "established", "undetermined", "needs_review", "excluded", "not_established")


class Open(NamedTuple):
    """One thing that keeps a conclusion open: a fact to ask about, or a rule needing judgment.
    (A tuple: hashed and ordered by (kind, ref) in C, as sets of them are joined per rule.)"""
    kind: str        # "fact" | "possible" | "judgment"
    ref: str         # fact name, or rule id for a judgment


class RuleState:
    """What the resolver found for one rule. A plain class with slots: ~150 per assessment."""
    __slots__ = ("rule", "raw", "final", "opens", "derivations", "since", "defeated_by", "weighed",
                 "unless", "fired")

    def __init__(self, rule: str) -> None:
        self.rule = rule
        self.raw = "F"
        self.final = "F"
        self.opens: frozenset = _NONE
        self.derivations: list = []     # certain (or, for M, possible) derivations
        self.since: str | None = None
        self.defeated_by: list = []
        self.weighed: list = []         # [(defeater id, its final)]
        self.unless: list = []          # exceptions still open while the main text holds
        self.fired: str | None = None   # "certain" (an L firing), "possible" (only U), None


_NONE: frozenset = frozenset()


@dataclass
class CodeState:
    code: str
    status: str
    level: str                                      # "T" | "M" | "F" as seen by later rules
    rules: list                                     # rule ids that support the status
    opens: frozenset = frozenset()
    since: str | None = None
    unless: list = field(default_factory=list)      # open exceptions, when every open rule's main text holds


class Resolver:
    def __init__(self, ckb: CompiledKB, facts: FactSet, memo: dict | None = None) -> None:
        """`memo`: a dict shared by the resolvers of one compiled KB (what a firing's atoms say
        does not depend on the incident it came from); None for a private one."""
        self.ckb = ckb
        self.facts = facts
        self.firings: dict[str, list[Firing]] = {}
        self._rules: dict[str, RuleState] = {}
        self._codes: dict[str, CodeState] = {}
        self.producers: dict[str, list[str]] = producers_of(ckb)
        self._memo = {} if memo is None else memo
        self._silent_memo = _shared(ckb, "_silent")        # see _silent
        self._quiet_codes = _shared(ckb, "_not_established")   # see code

    def add(self, firings: list[Firing]) -> None:
        for f in firings:
            self.firings.setdefault(f.rule, []).append(f)

    # ---- rules -----------------------------------------------------------------------------
    def rule(self, rid: str) -> RuleState:
        st = self._rules.get(rid)
        if st is not None:
            return st
        fs = self.firings.get(rid)
        if not fs:
            st = self._rules[rid] = self._silent(rid)
            return st
        st = RuleState(rid)
        judgment = self.ckb.rules[rid].version.judgment is not None
        certain = [f for f in fs if f.variant == "L"]
        st.fired = "certain" if certain else "possible"
        if certain and not judgment:
            st.raw = "T"
            st.derivations = [self._derivation(f) for f in certain]
            st.since = _earliest(d["since"] for d in st.derivations)
        else:
            st.raw = "M"
            opens: set[Open] = set()
            if certain:                                # a judgment whose facts are all there
                opens.add(Open("judgment", rid))
                st.derivations = [self._derivation(f) for f in certain]
            else:
                possible = [f for f in fs if f.variant == "U"]
                inherited: set[str] = set()
                pure = True
                for f in possible:
                    opens |= self._opens_of(f)
                    via = self._unless_of(f)
                    if via is None:
                        pure = False
                    else:
                        inherited |= via
                if judgment:
                    opens.add(Open("judgment", rid))
                elif pure and inherited:
                    st.unless = sorted(inherited)   # holds unless an exception below applies
                st.derivations = [self._derivation(f) for f in possible]
            st.opens = frozenset(opens)
        st.final = st.raw
        defeaters = self.ckb.defeaters.get(rid)
        if defeaters:
            st.weighed = [(d, self.rule(d).final) for d in defeaters]   # it fired: weigh them
            winners = [d for d, fin in st.weighed if fin == "T"]
            maybes = [d for d, fin in st.weighed if fin == "M"]
            if winners:
                st.final = "X"
                st.defeated_by = winners
            elif maybes:
                st.final = "M"
                if st.raw == "T" or st.unless:
                    st.unless = sorted(set(st.unless) | set(maybes))   # only exceptions are open
                extra = set(st.opens)
                for d in maybes:
                    extra |= self.rule(d).opens
                st.opens = frozenset(extra)
        self._rules[rid] = st
        return st

    def _silent(self, rid: str) -> RuleState:
        """The state of a rule that did not fire: F, whatever its exceptions did (they act only
        on a rule that fired), and what they did (`weighed`) is all that varies. Most rules do
        not fire in an assessment: one shared, read-only state per compiled KB, rule and weighing
        rather than a new one each time."""
        memo = self._silent_memo
        defeaters = self.ckb.defeaters.get(rid)
        key = (rid, tuple((d, self.rule(d).final) for d in defeaters)) if defeaters else rid
        found = memo.get(key)
        if found is None:
            found = RuleState(rid)
            if defeaters:
                found.weighed = list(key[1])
            keep(memo, key, found, _MEMO_LIMIT)
        return found

    def _derivation(self, f: Firing) -> dict:
        """What a firing rests on: the facts, the conclusions (with their levels), the dates of
        dated facts, and since when it holds (the latest of those dates and of the dates since
        which the conclusions it needs hold). All but `since` follow from the atoms alone."""
        key = f.sort_key()
        found = self._memo.get(key)
        if found is None:
            facts, concls, dates, needs = set(), set(), [], []
            for fact in f.atoms:
                t = fact["t"]
                if t == "c":
                    concls.add((fact["c"], fact["l"]))
                    if fact["l"] == "T":
                        needs.append(fact["c"])
                else:
                    facts.add(fact["n"])
                    if t == "f" and fact.get("on"):
                        dates.append(fact["on"])
            base = {"facts": sorted(facts), "conclusions": sorted(concls),
                    "dated": sorted({a.get("on") for a in f.atoms} - {None})}
            # what tells two derivations apart (engine/assess.py keeps each distinct one once)
            base["key"] = (tuple(base["facts"]), tuple(base["conclusions"]), tuple(base["dated"]))
            found = (base, max(dates, default=None), tuple(needs))
            keep(self._memo, key, found, _MEMO_LIMIT)
        base, own, needs = found
        since = own
        for code in needs:
            d = self.code(code).since
            if d and (since is None or d > since):
                since = d
        return {"facts": base["facts"], "conclusions": base["conclusions"], "since": since,
                "dated": base["dated"], "key": base["key"]}

    def _open_parts(self, f: Firing) -> tuple[frozenset, tuple, bool]:
        """What keeps a possible firing open, as far as its atoms alone say: the unknown facts
        and unconfirmed set members it matched, the conclusions it matched at level M (whose
        own open points it inherits), and whether anything but those conclusions is open."""
        key = (f.sort_key(), "opens")
        found = self._memo.get(key)
        if found is None:
            lits = self.ckb.rules[f.rule].conjuncts[f.conjunct]
            opens, maybes, blocked = set(), [], False
            for j, fact in enumerate(f.atoms):
                t = fact["t"]
                if t == "u":
                    if lits[j].op == "is_known":  # the rule asked whether it is known: it is not
                        continue
                    opens.add(Open("fact", fact["n"]))
                    blocked = True
                elif t == "f" and "p" in fact and fact["p"] != fact["v"]:
                    opens.add(Open("possible", fact["n"]))
                    blocked = True
                elif t == "c" and fact["l"] == "M":
                    maybes.append(fact["c"])
            found = (frozenset(opens), tuple(maybes), blocked)
            keep(self._memo, key, found, _MEMO_LIMIT)
        return found

    def _opens_of(self, f: Firing) -> frozenset | set[Open]:
        opens, maybes, _ = self._open_parts(f)
        if not maybes:
            return opens
        out = set(opens)
        for code in maybes:
            out |= self.code(code).opens
        return out

    def _unless_of(self, f: Firing) -> set[str] | None:
        """The open exceptions behind a possible firing, or None if something else is open."""
        _, maybes, blocked = self._open_parts(f)
        if blocked:
            return None
        found: set[str] = set()
        for code in maybes:
            cs = self.code(code)
            if not cs.unless:
                return None
            found |= set(cs.unless)
        return found

    # ---- conclusions -----------------------------------------------------------------------
    def code(self, code: str) -> CodeState:
        cs = self._codes.get(code)
        if cs is not None:
            return cs
        producers = self.producers.get(code, [])
        if self.firings.keys().isdisjoint(producers):
            # none of its rules fired: not established, whatever their exceptions did (an
            # exception only acts on a rule that fired); one read-only state per compiled KB
            cs = self._quiet_codes.get(code)
            if cs is None:
                cs = self._quiet_codes[code] = CodeState(code, NOT_ESTABLISHED, "F", [])
            self._codes[code] = cs
            return cs
        t, m, x = [], [], []
        for r in producers:
            s = self.rule(r)
            if s.final == "T":
                t.append(s)
            elif s.final == "M":
                m.append(s)
            elif s.final == "X":
                x.append(s)
        if t:
            cs = CodeState(code, ESTABLISHED, "T", [s.rule for s in t],
                           since=_earliest(s.since for s in t))
        elif m:
            opens = frozenset().union(*(s.opens for s in m))
            status = UNDETERMINED if any(o.kind != "judgment" for o in opens) else NEEDS_REVIEW
            unless = sorted({d for s in m for d in s.unless}) if all(s.unless for s in m) else []
            cs = CodeState(code, status, "M", [s.rule for s in m], opens, unless=unless)
        elif x:
            cs = CodeState(code, EXCLUDED, "F", [s.rule for s in x])
        else:
            cs = CodeState(code, NOT_ESTABLISHED, "F", [])
        self._codes[code] = cs
        return cs

    def level_facts(self, codes: list[str]) -> list[dict]:
        """Final statuses of earlier strata's conclusions, as facts for the next stratum."""
        return [{"t": "c", "c": c, "l": self.code(c).level} for c in codes]

    def all_codes(self) -> list[str]:
        return sorted(self.producers)


_MEMO_LIMIT = 50_000


def producers_of(ckb: CompiledKB) -> dict[str, list[str]]:
    """Conclusion code -> ids of the rules in force that conclude it (computed once per KB)."""
    found = ckb.__dict__.get("_producers")
    if found is None:
        found = {}
        for rid, cr in sorted(ckb.rules.items()):
            found.setdefault(cr.version.then["conclude"], []).append(rid)
        ckb.__dict__["_producers"] = found
    return found


def _shared(ckb: CompiledKB, name: str) -> dict:
    """A memo kept on the compiled KB, shared by the resolvers of every assessment of it:
    "_silent": rule id, or (rule id, weighing of its exceptions) -> the state of that rule not
    firing; "_not_established": code -> the state of a conclusion none of whose rules fired."""
    memo = ckb.__dict__.get(name)
    if memo is None:
        memo = ckb.__dict__[name] = {}
    return memo


def _earliest(dates) -> str | None:
    ds = [d for d in dates if d]
    return min(ds) if ds else None


def fact_display(facts: FactSet, name: str) -> object:
    """The value of a fact as the incident stated it (sets without the sentinel)."""
    if name in facts.known:
        v = facts.known[name]
        return [x for x in v if x != SENTINEL] if isinstance(v, list) else v
    return None
