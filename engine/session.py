"""Run one stratum of compiled rules on a set of facts in durable-rules, safely.

Every workaround here answers a measured fault of durable-rules 2.0.28
(shared/notes/durable-rules/REPORT.md, section 8):
- the Host's background threads are never started (they segfault on out-of-order deletes and
  run skipped actions 0.2 s later on another thread);
- facts go in through the raw `assert_facts` and actions are driven with `do_actions`, so a fact
  no rule consumes cannot make the batch skip its actions;
- a sentinel rule with the lowest priority fires in every session: it proves the agenda reached
  its fixpoint and guarantees an action ran, which `delete_state` needs not to crash;
- one live session per ruleset at a time, with a short unique id, deleted in all cases (the
  1,024-session cap, its leaked slots and 32-bit session-id collisions never come into play);
- an exception raised inside an action is stored by durable and otherwise ignored: it is read back
  from the session state and raised;
- conclusions are recorded in Python (durable drops facts no rule consumes) and a derived fact is
  asserted only when a rule of the same stratum reads it.
"""
from __future__ import annotations

import itertools
import json
import re
import threading
from dataclasses import dataclass

import durable_rules_engine as _dre
from durable import engine as _engine

from .compile import Stratum
from .errors import EngineError
from .facts import fact_order_key

END_PRI = 65535
_ERROR_CODES = {
    "101": "out of memory or too many live sessions", "102": "a value of an unsupported type",
    "105": "an unexpected name in a rule", "106": "too many rules",
    "107": "too many rules test one fact in the same way", "108": "too many rules share one condition",
    "112": "too many rulesets", "113": "an expression is too deep", "202": "the rule or fact is not valid JSON",
    "302": "a fact has too many properties", "303": "too many tests hold at once for one fact",
    "304": "a rule has too many patterns", "309": "session not found", "314": "a value is too long",
    "501": "a regular expression is not valid",
}


class _QuietHost(_engine.Host):
    def _run(self) -> None:      # no dispatch/timer threads
        pass


@dataclass(frozen=True)
class Firing:
    rule: str                 # rule id
    variant: str              # "L" (certain) or "U" (possible)
    conjunct: int
    matched: tuple            # the facts that matched, in pattern order, as canonical JSON strings


class _Run:
    __slots__ = ("firings", "ended", "acted")

    def __init__(self) -> None:
        self.firings: list[Firing] = []
        self.ended = False
        self.acted = False        # some action ran: only then is delete_state safe (REPORT 4.5)


def _explain_engine_error(exc: Exception) -> str:
    # durable's C extension says "Could not ..., error code: N"; read N from there only, since
    # other numbers in the text (a ruleset name holds a hash) must not be taken for a code
    text = str(exc)
    found = re.search(r"error code: (\d+)", text)
    meaning = _ERROR_CODES.get(found.group(1)) if found else None
    return f"{meaning} (durable-rules: {text})" if meaning else f"{type(exc).__name__}: {text}"


class StratumSession:
    """A registered durable ruleset for one stratum; `evaluate` runs one short-lived session."""

    _ids = itertools.count()
    _names = itertools.count()

    def __init__(self, stratum: Stratum, levels: dict[str, bool], name: str) -> None:
        """levels: rule id -> True when an L firing yields a certain conclusion (False for judgments)."""
        self.stratum = stratum
        self.name = f"{name}#s{stratum.index}#{next(self._names)}"
        self._lock = threading.Lock()
        self._current: _Run | None = None
        definition = {}
        for rname, body in stratum.definition.items():
            rid, variant, conj = stratum.actions[rname]
            d = json.loads(json.dumps(body))      # durable mutates what it is given
            d["run"] = self._make_action(rid, variant, conj, levels)
            definition[rname] = d
        definition["__end__"] = {"pri": END_PRI, "all": [{"m": {"t": "__end__"}}], "run": self._end}
        self.host = _QuietHost()
        try:
            self.host.register_rulesets({self.name: definition})
        except Exception as exc:  # durable raises bare Exceptions with codes in the text
            raise EngineError(f"durable-rules rejected stratum {stratum.index}: "
                              f"{_explain_engine_error(exc)}") from None
        self.rs = self.host.get_ruleset(self.name)

    def _make_action(self, rid: str, variant: str, conj: int, levels: dict[str, bool]):
        code = self.stratum.codes[rid]
        assert_it = code in self.stratum.consumed_here
        level = "T" if (variant == "L" and levels.get(rid, True)) else "M"

        def action(c):                # exactly one parameter: two would make durable call it async
            run = self._current
            run.acted = True
            m = c._m
            matched = tuple(json.dumps({k: v for k, v in m[f"a{j}"].items() if k != "sid"},
                                       sort_keys=True, ensure_ascii=False)
                            for j in range(len(m)))
            run.firings.append(Firing(rid, variant, conj, matched))
            if assert_it:
                try:
                    c.assert_fact({"t": "c", "c": code, "l": level})
                except (_engine.MessageObservedException, _engine.MessageNotHandledException):
                    pass              # already derived by another rule or binding
        return action

    def _end(self, c) -> None:
        self._current.ended = True
        self._current.acted = True

    def evaluate(self, facts: list[dict]) -> list[Firing]:
        with self._lock:
            sid = f"e{next(self._ids)}"
            ordered = sorted(facts, key=fact_order_key)
            payload = [dict(f, sid=sid) for f in ordered] + [{"sid": sid, "t": "__end__"}]
            run = self._current = _Run()
            errors: list = []
            state: dict = {}
            try:
                try:
                    _code, offset = _dre.assert_facts(self.rs._handle,
                                                      json.dumps(payload, ensure_ascii=False))
                    self.rs.do_actions(offset, lambda e, s: errors.append(e) if e else None)
                    state = self.rs.get_state(sid)
                except Exception as exc:
                    raise EngineError(f"durable-rules failed in stratum {self.stratum.index}: "
                                      f"{_explain_engine_error(exc)}") from None
            finally:
                self._current = None
                # durable-rules frees uninitialised memory when it deletes a session in which no
                # action ran (REPORT 4.5). The sentinel makes that impossible on success; it still
                # happens when assert_facts itself failed (e.g. error 303 or 304), and deleting then
                # crashes the whole process. Leaving that one session behind (one of the ruleset's
                # 1,024 slots, only after an EngineError) is the lesser harm.
                if run.acted:
                    try:
                        self.rs.delete_state(sid)
                    except Exception:
                        pass
            if errors:
                raise EngineError(f"durable-rules reported an error in stratum "
                                  f"{self.stratum.index}: {errors[0]!r}")
            if "exception" in state:
                raise EngineError(f"a rule action failed in stratum {self.stratum.index}: "
                                  f"{str(state['exception'])[:500]}")
            if not run.ended:
                raise EngineError(f"stratum {self.stratum.index} did not reach its fixpoint sentinel")
            return sorted(set(run.firings), key=lambda f: (f.rule, f.variant, f.conjunct, f.matched))

    def close(self) -> None:
        try:
            _dre.delete_ruleset(self.rs._handle)
        except Exception:
            pass
