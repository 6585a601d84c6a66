"""The durable-rules back end: run one compiled ruleset on an incident, safely and leanly.

Every workaround here answers a measured fault of durable-rules 2.0.28
(shared/notes/durable-rules/REPORT.md, section 8, and docs/ARCHITECTURE.md):
- no `Host`, no `Ruleset` object, no background thread: the ruleset is created with the C
  extension's `create_ruleset` and driven directly (`assert_facts`, `start_action_for_state`,
  `complete_and_start_action`). That is also what keeps it fast: durable's Python layer builds a
  closure and serialises the whole session state to JSON around every firing, which we do not
  need (the engine keeps no state in durable between firings);
- a sentinel rule with the lowest priority fires in every session: it proves the agenda reached
  its fixpoint and guarantees an action ran, which `delete_state` needs not to crash;
- one session per run, under one short id reused by every run of the ruleset (so firing
  messages repeat across incidents and their parse is cached), deleted whole with
  `delete_state` when the run ends. Facts are never retracted: retracting a fact that a
  dispatched action frame holds corrupts durable's memory (see "Why never retract" below);
- a ruleset in which no rule can fire on the incident is not run at all (see `payload`);
- after a fault, or a session that could not be deleted, the id changes, so a session that may
  hold facts is never joined again. Deleting is safe because every session reuses one session
  slot primed when the ruleset is created (see `_prime`), so no fault leaks a session or eats one
  of the 1,024 session slots;
- a Python action that fails is an error of the assessment, never swallowed;
- conclusions are recorded in Python (durable drops facts no rule consumes) and a derived fact is
  asserted only when a rule of the same ruleset reads it.

Why never retract (durable 2.0.28, src/rules/events.c and state.c): a dispatched action frame
stays in the location lists of the facts it matched, marked isDispatching. Retracting such a
fact (handleDeleteMessage) meets ERR_NODE_DISPATCHING and calls deleteMessageFromFrame, which
clears the fact's entry in the frame without lowering the frame's messageCount; retracting a
second fact of the same frame then walks past the frame's 16 message slots, reading and at times
writing the memory beside them. An earlier design (f1bc503 to 78d057c) kept one session per
ruleset and emptied it by retraction: valgrind counted thousands of errors in
deleteMessageFromFrame (decisions on memory past a frame's slots; 5,293 over 39 assessments,
benchmarks/memcheck.py), and the full suite crashed (a segfault when an Engine was freed) in one
run of four. Deleting the whole session (deleteStateNode) frees each fact and its location list
without walking any frame's message slots: memcheck counts 0 errors in durable.
tests/test_backends.py checks that no session outlives its run and nothing is retracted, and
every fixture in shuffled order against the reference evaluator; tests/test_properties.py
generated pairs of incidents.
"""
from __future__ import annotations

import itertools
import json
from functools import reduce
from operator import itemgetter, or_
import re
import threading
import weakref

import durable_rules_engine as _dre

from .errors import EngineError
from .evaluator import Firing, concl_atom
from .literal import atom_matches
from .memo import keep
from .rulesets import END, LEVELS_SIZE, RulesetPlan, encode_atom, encoded_tail

_ERROR_CODES = {
    "101": "out of memory or too many live sessions", "102": "a value of an unsupported type",
    "105": "an unexpected name in a rule", "106": "too many rules or tests under one node",
    "107": "too many $or/$nex tests under one node", "108": "too many rules share one condition",
    "112": "too many rulesets", "113": "an expression is too deep", "202": "the rule or fact is not valid JSON",
    "302": "a fact has too many properties", "303": "too many tests hold at once for one fact",
    "304": "a rule has too many patterns", "309": "session not found", "314": "a value is too long",
    "501": "a regular expression is not valid",
}
# the facts of a firing, as the engine wrote them: an atom's fact starts with its index, a
# conclusion's with its code and level
_ALIAS = re.compile(r'"a(\d+)":\{"(?:id": "a(\d+)"|c": "([^"]*)", "l": "([TMF])")')


def rule_name(message: str) -> str:
    """The rule a durable firing message is for: {"<name>":{...}}."""
    return message[2:message.index('":{', 2)]


def _concl_fact(code: str, level: str, sid: str, bucket: int, k: int) -> str:
    # every fact the engine sends has an explicit id (a conclusion's: its code and level), which
    # spares durable computing one from a sort and hash of all its properties (calculateId)
    return (f'{{"c": "{code}", "l": "{level}", "sid": "{sid}", "id": "c{k}{level}", "t": "c", '
            f'"h": {bucket}, "C{k}": 1}}')


def explain_engine_error(exc: BaseException) -> str:
    # durable's C extension says "Could not ..., error code: N"; read N from there only, since
    # other numbers in the text (a ruleset name holds a hash) must not be taken for a code
    text = str(exc)
    found = re.search(r"error code: (\d+)", text)
    meaning = _ERROR_CODES.get(found.group(1)) if found else None
    return f"{meaning} (durable-rules: {text})" if meaning else f"{type(exc).__name__}: {text}"


class _Run:
    __slots__ = ("firings", "ended", "in_action", "facts", "keys", "sid", "asserted")

    def __init__(self, facts, sid: str) -> None:
        self.firings: dict[tuple, Firing] = {}     # sort key -> firing (equal firings once)
        self.ended = False
        self.in_action = False    # an action started and did not complete
        self.facts = facts
        self.keys = facts.keys() if facts is not None else []
        self.sid = sid
        self.asserted: set[str] = set()            # derived facts asserted in this run


def _free(handle: int, alive: set[str]) -> None:
    # durable's delete_ruleset frees no session state: a session not yet deleted goes first
    for sid in alive:
        try:
            _dre.delete_state(handle, sid)
        except Exception:
            pass
    alive.clear()
    try:
        _dre.delete_ruleset(handle)
    except Exception:
        pass


def _accepted_levels(plan: RulesetPlan) -> dict[str, frozenset]:
    """Per conclusion the ruleset reads: the levels that pass some pattern's level test
    (`l != F` for a positive literal, `l != T` for a negative one), read from the definition
    durable was given."""
    out: dict[str, set] = {}
    by_prop = {f"C{k}": code for code, k in plan.code_ids.items()}
    for name, rule in plan.definition.items():
        for pattern in rule["all"]:
            for cond in pattern.values():
                tests = cond.get("$and", [cond])
                code = next((by_prop[p] for t in tests for p in t if p in by_prop), None)
                if code is None or not any(t.get("t") == "c" for t in tests):
                    continue
                for t in tests:
                    if "$neq" in t and "l" in t["$neq"]:
                        out.setdefault(code, set()).update({"T", "M", "F"} - {t["$neq"]["l"]})
    return {code: frozenset(levels) for code, levels in out.items()}


class _Needs:
    """What each rule of a ruleset needs before it can fire, as bits: one bit per distinct
    pattern on an atom (`facts`: fact name -> [(bit, tests)]) and one per distinct pattern on the
    levels fact (`levels`: [(bit, [(code, level it must not be)])]); `rules`: the distinct
    (atom bits, levels bits) of the rules. Patterns on conclusions derived in the stratum are
    taken to be satisfiable (they depend on the run)."""

    def __init__(self, plan: RulesetPlan) -> None:
        self.facts: dict[str, list] = {}
        self.levels: list[tuple[int, list]] = []
        bits: dict[tuple, int] = {}
        code_of = {f"c{i}": code for code, i in plan.levels.items()}
        names = {f"F{j}": name for name, j in plan.fact_ids.items()}
        rules = set()
        for rname, rule in plan.definition.items():
            if rname == END:
                continue
            fmask = lmask = 0
            for pattern in rule["all"]:
                for cond in pattern.values():
                    tests = cond.get("$and", [cond])
                    name = next((names[p] for t in tests for p in t if p in names), None)
                    if name is None and {"t": "L"} not in tests:
                        continue
                    key = json.dumps(tests, sort_keys=True)
                    bit = bits.get(key)
                    if bit is None:
                        bit = bits[key] = 1 << len(bits)
                        if name is not None:
                            self.facts.setdefault(name, []).append((bit, tests))
                        else:
                            self.levels.append((bit, [
                                (code_of[prop], level) for t in tests if "$neq" in t
                                for prop, level in t["$neq"].items() if prop in code_of]))
                    if name is not None:
                        fmask |= bit
                    else:
                        lmask |= bit
            rules.add((fmask, lmask))
        self.rules = sorted(rules)
        self._by_levels: dict[tuple, int] = {}
        self._used: dict[tuple, tuple[int, bool]] = {}
        self._codes = sorted(plan.levels)

    def levels_held(self, levels: dict[str, str]) -> int:
        """The bits of the levels patterns that hold on these levels of earlier conclusions."""
        key = tuple([levels[code] for code in self._codes])
        held = self._by_levels.get(key)
        if held is None:
            held = 0
            for bit, tests in self.levels:
                if all(levels[code] != level for code, level in tests):
                    held |= bit
            keep(self._by_levels, key, held, 10_000)
        return held

    def used(self, have: int, levels_have: int) -> tuple[int, bool]:
        """The atom patterns of the rules that can fire (every atom pattern has an atom that may
        pass it, `have`, and every levels pattern holds, `levels_have`), and whether any can."""
        found = self._used.get((have, levels_have))
        if found is None:
            used, fires = 0, False
            for fmask, lmask in self.rules:
                if not fmask & ~have and not lmask & ~levels_have:
                    used |= fmask
                    fires = True
            found = keep(self._used, (have, levels_have), (used, fires), 10_000)
        return found


def _may_pass(tests: list[dict], fact: dict) -> bool:
    """False only when an equality or inequality test on a text or small-integer property the
    fact has (type, name, known-ness, member states, disjunctive tests) certainly fails: then
    durable's alpha network stops the fact on this path too. Range tests (numbers, dates) and
    tests of a property the fact lacks are taken to pass, so nothing here depends on how durable
    compares large numbers, orders texts or treats a missing property."""
    for test in tests:
        ((op, arg),) = test.items()
        if op == "$neq":
            ((prop, value),) = arg.items()
            if prop not in ("lo", "hi") and prop in fact and fact[prop] == value:
                return False
        elif not op.startswith("$"):
            if op not in ("lo", "hi") and op in fact and fact[op] != arg:
                return False
    return True


class DurableRuleset:
    """One registered durable ruleset; `evaluate` runs one session of it and deletes it."""

    _ids = itertools.count()
    _names = itertools.count()

    def __init__(self, plan: RulesetPlan, label: str) -> None:
        self.plan = plan
        self.name = f"{label}#s{plan.stratum}.{plan.index}#{next(self._names)}"
        self._lock = threading.Lock()
        self.faults = 0
        try:
            self.handle = _dre.create_ruleset(self.name, json.dumps(plan.definition,
                                                                    ensure_ascii=False))
        except Exception as exc:   # durable raises bare Exceptions with codes in the text
            raise EngineError(f"durable-rules rejected ruleset {plan.stratum}.{plan.index}: "
                              f"{explain_engine_error(exc)}") from None
        # sessions not yet deleted (none between runs, unless delete_state failed); they and the
        # ruleset are freed when this object is collected, or by close()
        self._alive: set[str] = set()
        self._finalizer = weakref.finalize(self, _free, self.handle, self._alive)
        self._tails: dict[str, str] = {}       # atom key -> its encoded fact after index and sid
        self._bits: dict[str, int] = {}        # atom key -> the bits of the patterns it may pass
        # (action, atom keys) -> (possible firing, certain firing or None, derived levels to
        # assert): what a firing means depends only on the rule and the atoms it matched
        self._outcomes: dict[tuple, tuple] = {}
        self._parsed: dict[str, tuple] = {}    # firing message -> (action, what it matched)
        self._concl: dict[tuple, str] = {}     # (code, level, sid) -> its fact
        # levels of derived conclusions some pattern of the ruleset accepts: a T fact no pattern
        # accepts reaches no beta node (durable does not even store it), so it is not asserted
        self._accepts = _accepted_levels(plan)
        # the levels facts: (bucket, [(code, property index)]) of earlier strata's conclusions
        by_bucket: dict[int, list] = {}
        for code, i in sorted(plan.levels.items(), key=lambda item: item[1]):
            by_bucket.setdefault(i // LEVELS_SIZE, []).append((code, i))
        self._level_facts = sorted(by_bucket.items())
        # per fact name, the tests of every pattern on it: an atom that passes none of them
        # reaches no beta node, so it is not sent (decided once per atom, see payload); nor is
        # one that passes only patterns of rules that cannot fire on this incident
        self._needs = _Needs(plan)
        # One session at a time (the lock) under one id, so that firing messages repeat across
        # incidents and their parse is cached. The id changes after any fault or failed delete,
        # so a session that may hold facts is never joined again.
        self._new_sid()
        self._prime()

    # ---- one session --------------------------------------------------------------------------
    def payload(self, facts, levels: dict[str, str], sid: str) -> str | None:
        """The JSON list of durable facts for one session: the atoms some rule of the ruleset
        that can fire reads, the levels of earlier strata's conclusions it reads, and the
        sentinel; None when no rule can fire (then the ruleset is not run). A rule can fire only
        if each of its patterns on atoms has an atom that may pass it and each test of a level of
        an earlier conclusion holds; an atom only rules that cannot fire would match would reach
        their beta nodes and stop there, changing nothing (durable = reference on every fixture
        and generated incident)."""
        tails, keys = self._tails, facts.keys()
        found = list(map(tails.get, keys))
        if None in found:                     # atoms not seen before: encode them once
            if len(tails) > 20_000:
                tails.clear()
                self._bits.clear()
            durable = facts.durable
            for i, key in enumerate(keys):
                if key not in tails:
                    tails[key], self._bits[key] = self._tail(durable[i])
            found = list(map(tails.get, keys))
        bits = list(map(self._bits.__getitem__, keys))
        used, fires = self._needs.used(reduce(or_, bits, 0), self._needs.levels_held(levels))
        if not fires:
            return None
        out = [f'{{"id": "a{i}", "sid": "{sid}", {found[i]}' for i, b in enumerate(bits) if b & used]
        for bucket, codes in self._level_facts:
            out.append(f'{{"h": {bucket}, "sid": "{sid}", "id": "L{bucket}", "t": "L", "k": 1, '
                       + ", ".join(f'"c{i}": "{levels[code]}"' for code, i in codes) + "}")
        out.append(f'{{"sid": "{sid}", "id": "end", "t": "{END}"}}')
        return "[" + ", ".join(out) + "]"

    def _tail(self, atom: dict) -> tuple[str, int]:
        """The atom's encoded fact after its index and session id, and the bits of the patterns
        it may pass (0, and no text, when it can pass none, or the ruleset reads no such fact)."""
        if atom["n"] not in self.plan.props:
            return "", 0
        fact = encode_atom(self.plan, atom, 0, "")
        bits = 0
        for bit, tests in self._needs.facts.get(atom["n"], ()):
            if _may_pass(tests, fact):
                bits |= bit
        return (encoded_tail(self.plan, atom), bits) if bits else ("", 0)

    def evaluate(self, facts, levels: dict[str, str]) -> list[Firing]:
        """Run the ruleset on `facts` (and earlier strata's `levels`) in one session."""
        with self._lock:
            sid = self._sid
            payload = self.payload(facts, levels, sid)
            return [] if payload is None else self.run(payload, facts, sid)

    def run(self, payload: str, facts, sid: str) -> list[Firing]:
        """Assert `payload` (a JSON list of facts of a new session `sid`), run it to its
        fixpoint, delete the session and return the firings. The caller holds the lock."""
        run = _Run(facts, sid)
        offset = None
        handle, fire, complete = self.handle, self._fire, _dre.complete_and_start_action
        self._alive.add(sid)
        try:
            try:
                _code, offset = _dre.assert_facts(handle, payload)
                started = _dre.start_action_for_state(handle, offset)
                message = started[1] if started else None
                while message:
                    run.in_action = True
                    fire(message, run)
                    message = complete(handle, offset)
                    run.in_action = bool(message)
            except EngineError:
                raise
            except Exception as exc:
                raise EngineError(f"durable-rules failed in ruleset {self.plan.stratum}."
                                  f"{self.plan.index}: {explain_engine_error(exc)}") from None
            if not run.ended:
                raise EngineError(f"ruleset {self.plan.stratum}.{self.plan.index} did not reach "
                                  "its fixpoint sentinel")
        except BaseException:
            self.faults += 1
            self._clean_up(run, offset)
            raise
        if not self._delete(sid):
            self._new_sid()          # still listed in _alive (the finalizer tries again)
        found = run.firings
        return [found[key] for key in sorted(found)]

    def _fire(self, message: str, run: _Run) -> None:
        """One firing. `message` is durable's JSON of the rule name and the facts it matched;
        the facts come back as the engine wrote them, so each one's atom index (or conclusion
        and level) is read from its first properties instead of parsing every fact. The same
        message recurs across incidents (same session id, same atoms): its parse is cached."""
        parsed = self._parsed.get(message)
        if parsed is None:
            parsed = self._parse(message)
        action, refs, getter = parsed
        if action is None:
            run.ended = True
            return
        keys = run.keys
        if getter is not None:                # every literal matched an atom (most firings)
            mkeys = getter(keys)
        else:
            mkeys = tuple([keys[r] if type(r) is int else r[0] for r in refs])
        outcome = self._outcomes.get((id(action), mkeys))
        if outcome is None:
            outcome = self._outcome(action, refs, mkeys, run.facts.durable)
        possible, certain, derived = outcome
        firings = run.firings
        firings[possible._key] = possible
        if certain is not None:
            firings[certain._key] = certain
        if derived:
            asserted, sid = run.asserted, run.sid
            for level in derived:
                fact = self._concl_fact(action.code, level, sid)
                if fact not in asserted:      # asserting it again would change nothing
                    asserted.add(fact)
                    self._assert(fact)

    def _outcome(self, action, refs: tuple, mkeys: tuple, durable: list) -> tuple:
        """What a firing of `action` on the atoms with keys `mkeys` yields: its possible firing,
        its certain firing when every literal surely holds on those atoms (engine/literal.py),
        and the levels of its conclusion to assert (M; T too when certain and no judgment is
        involved, if some pattern of the ruleset accepts T). Equal atoms give equal firings, so
        the result is kept for every later incident that matches the same atoms."""
        matoms = tuple([durable[r] if type(r) is int else r[1] for r in refs])
        possible = Firing(action.rule, "U", action.conjunct, mkeys, matoms)
        sure = all(atom_matches(lit, atom)[0] for lit, atom in zip(action.lits, matoms))
        certain = Firing(action.rule, "L", action.conjunct, mkeys, matoms) if sure else None
        derived: tuple = ()
        if action.assert_code:
            derived = ("M", "T") if sure and not action.judgment and \
                "T" in self._accepts.get(action.code, ()) else ("M",)
        return keep(self._outcomes, (id(action), mkeys), (possible, certain, derived), 50_000)

    def _parse(self, message: str) -> tuple:
        """(action, matched, getter) of a firing message: per literal the atom index or the
        (key, atom) of the conclusion level it matched, and when every literal matched an atom,
        a function giving their keys from an incident's keys; (None, None, None) for the
        sentinel."""
        name = rule_name(message)
        if name == END:
            return keep(self._parsed, message, (None, None, None), 10_000)
        action = self.plan.actions[name]
        refs: dict[int, object] = {}
        for m in _ALIAS.finditer(message):
            atom = m.group(2)
            refs[int(m.group(1))] = int(atom) if atom is not None else concl_atom(m.group(3),
                                                                                  m.group(4))
        matched = []
        for lit, slot in zip(action.lits, action.slots):
            i = self.plan.levels.get(lit.name) if lit.kind == "concl" else None
            if i is None:
                matched.append(refs[slot])
                continue
            # an earlier stratum's conclusion: its level is a property of the levels fact
            start = message.index(f'"a{slot}":{{')
            fact = message[start:message.index("}", start)]
            at = fact.index(f'"c{i}": "') + len(f'"c{i}": "')
            matched.append(concl_atom(lit.name, fact[at]))
        getter = None
        if matched and all(type(r) is int for r in matched):
            one = itemgetter(*matched)
            getter = one if len(matched) > 1 else (lambda keys: (one(keys),))
        found = keep(self._parsed, message, (action, tuple(matched), getter), 10_000)
        return found

    def _concl_fact(self, code: str, level: str, sid: str) -> str:
        """A derived conclusion's fact."""
        found = self._concl.get((code, level, sid))
        if found is None:
            found = keep(self._concl, (code, level, sid),
                         _concl_fact(code, level, sid, self.plan.buckets[code],
                                     self.plan.code_ids[code]), 20_000)
        return found

    def _assert(self, fact: str) -> None:
        # code 2 (already there: derived by another rule or binding) is not an error
        _dre.assert_fact(self.handle, fact)

    def _delete(self, sid: str) -> bool:
        """Delete a session; it stays listed in _alive (for the finalizer) if that failed."""
        try:
            _dre.delete_state(self.handle, sid)
        except Exception:
            return False
        self._alive.discard(sid)
        return True

    def _prime(self) -> None:
        """Run one session in which only the sentinel fires, and delete it.

        durable-rules never initialises two pointers of a new session (context.messages and
        context.stateFact, state.c:createStateNode) and frees them when the session is deleted:
        deleting a session in which no action ran crashes the process (REPORT 4.5). They are set
        to NULL once an action completes and again when the session is deleted, and the slot of a
        deleted session is the next one used (a LIFO free list). With one live session at a time,
        every later session of this ruleset reuses this primed slot, so a session that fails
        before any action ran can still be deleted."""
        sid = f"p{next(self._ids)}"
        _code, offset = _dre.assert_facts(self.handle, json.dumps([{"sid": sid, "t": END}]))
        started = _dre.start_action_for_state(self.handle, offset)
        message = started[1] if started else None
        while message:
            message = _dre.complete_and_start_action(self.handle, offset)
        _dre.delete_state(self.handle, sid)

    def _clean_up(self, run: _Run, offset) -> None:
        """Delete the session of a failed evaluation: no fault leaks a session (or one of the
        ruleset's 1,024 session slots). An action in progress is abandoned first (its context
        freed); a session in which none ran sits in the primed slot (see _prime)."""
        if run.in_action and offset is not None:
            try:
                _dre.abandon_action(self.handle, offset)
            except Exception:
                pass
        self._discard(run.sid)

    def _discard(self, sid: str) -> None:
        """Delete a session that may still hold facts, and never use its id again."""
        self._delete(sid)
        self._new_sid()

    def _new_sid(self) -> None:
        """Give later runs an id no session of this ruleset has had, so that a session that may
        still hold facts is never joined again."""
        self._sid = f"e{next(self._ids)}"

    def close(self) -> None:
        self._finalizer()


class DurableBackend:
    """Every ruleset of a compiled knowledge base, registered once."""

    def __init__(self, ckb, label: str) -> None:
        self.rulesets: dict[int, list[DurableRuleset]] = {}
        try:
            for stratum in ckb.strata:
                self.rulesets[stratum.index] = [DurableRuleset(p, label) for p in stratum.rulesets]
        except BaseException:
            self.close()
            raise

    def evaluate(self, stratum, facts, levels: dict[str, str]) -> list[Firing]:
        out: list[Firing] = []
        for ruleset in self.rulesets[stratum.index]:
            out.extend(ruleset.evaluate(facts, levels))
        return out

    def close(self) -> None:
        for rulesets in self.rulesets.values():
            for r in rulesets:
                r.close()
        self.rulesets = {}
