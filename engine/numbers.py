"""The numbers behind a conclusion, for the trace and `explain`.

* **Parameters**: every `{param: ID}` a rule version reads, with the value in force on the
  assessment date, the parameter version that gives it (`ID#N`), its validity and its citations,
  and the fact tests that compare against it (`affected.number_max greater_than`).
* **Deadline arithmetic**: the start day and where it came from, the count under the counting
  convention (which day is day 1), each day the roll-forward skipped and why, the due day — as
  steps an auditor can redo by hand, with the parameters (days, convention) that set them.

Nothing here knows a number of the law: every value comes from the KB.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Callable

from .model import KB
from .release import param_ref

OPERATORS = ("equals", "not_equals", "in", "greater_than", "at_least", "less_than", "at_most",
             "on_or_after", "before", "includes", "includes_any", "includes_all", "includes_only")


def _walk(node: Any, found: dict[str, list[dict]], fact: str | None = None, op: str | None = None,
          negated: bool = False) -> None:
    if isinstance(node, dict):
        if "param" in node and isinstance(node["param"], str) and len(node) == 1:
            tests = found.setdefault(node["param"], [])
            if fact and op:
                test = {"fact": fact, "test": op, "negated": negated}
                if test not in tests:
                    tests.append(test)
            return
        here = node.get("fact") if isinstance(node.get("fact"), str) else None
        for key, value in node.items():
            _walk(value, found, here or fact, key if key in OPERATORS else op,
                  negated ^ (key == "not"))
    elif isinstance(node, list):
        for item in node:
            _walk(item, found, fact, op, negated)


def param_uses(when: Any, then: Any) -> dict[str, list[dict]]:
    """parameter id -> the fact tests that read it (empty for a number used in `then`)."""
    found: dict[str, list[dict]] = {}
    _walk(when, found)
    _walk(then, found)
    return {k: sorted(found[k], key=lambda t: (t["fact"], t["test"], t["negated"]))
            for k in sorted(found)}


def parameter_entry(kb: KB, pid: str, day: _dt.date, cite: Callable) -> dict | None:
    p = kb.parameters.get(pid)
    pv = p.version_on(day) if p is not None else None
    if pv is None:
        return None
    return {"id": pid, "version": param_ref(p, pv), "value": pv.value, "unit": p.unit,
            "label": p.label, "valid_from": pv.valid_from.isoformat(),
            "valid_to": pv.valid_to.isoformat() if pv.valid_to else None,
            "citations": [cite(c) for c in pv.citations]}


def rule_parameters(kb: KB, version, day: _dt.date, cite: Callable) -> list[dict]:
    """The parameters a rule version reads, as in force on `day`, with the tests that read them."""
    out = []
    for pid, tests in param_uses(version.when, version.then).items():
        entry = parameter_entry(kb, pid, day, cite)
        if entry is not None:
            entry["tests"] = tests
            out.append(entry)
    return out


def start_source(expr: dict, date_of: Callable[[dict], _dt.date | None]) -> dict:
    """Which part of a date expression gave the start day: {"fact": NAME} or {"since": CODE},
    with "of": latest_of / earliest_of when it was chosen among several."""
    if "fact" in expr:
        return {"fact": expr["fact"]}
    if "since" in expr:
        return {"since": expr["since"]}
    key = "latest_of" if "latest_of" in expr else "earliest_of"
    dated = [(date_of(e), e) for e in expr[key]]
    dated = [(d, e) for d, e in dated if d is not None]
    if not dated:
        return {"of": key}
    pick = max(dated, key=lambda x: x[0]) if key == "latest_of" else min(dated, key=lambda x: x[0])
    return dict(start_source(pick[1], date_of), of=key)


def source_text(src: dict | None) -> str:
    """A start source for people: dates.learned, since reg7.reportable (latest_of)."""
    if not src:
        return "?"
    text = src.get("fact") or (f"since {src['since']}" if src.get("since") else "")
    return f"{text} ({src['of']})".strip() if src.get("of") else text


def deadline_steps(start: _dt.date, source: dict, days: int, convention: dict, counted) -> list[dict]:
    """The count as an auditor redoes it: start, day 1, the nominal last day, each skipped day,
    the due day."""
    first = convention.get("start_is_day", 1)
    day_one = start if first == 1 else start + _dt.timedelta(days=1 - first)
    steps = [{"step": "start", "date": start.isoformat(), "source": source},
             {"step": "day_one", "date": day_one.isoformat(), "start_is_day": first},
             {"step": "count", "days": days, "date": counted.nominal.isoformat()}]
    steps += [{"step": "skip", "date": d.isoformat(), "reason": why} for d, why in counted.skipped]
    steps.append({"step": "due", "date": counted.day.isoformat()})
    return steps


def convention_entry(kb: KB, spec: dict, day: _dt.date, cite: Callable) -> dict:
    """The counting convention a deadline used: its rule (as written in the KB) and source."""
    ref = spec["convention"]
    pid = ref["param"] if isinstance(ref, dict) else None
    entry = parameter_entry(kb, pid, day, cite) if pid else None
    return entry or {"id": pid, "value": None}


def spec_parameters(kb: KB, spec: dict, keys: tuple[str, ...], day: _dt.date,
                    cite: Callable) -> list[dict]:
    out = []
    for key in keys:
        ref = spec.get(key)
        if isinstance(ref, dict) and "param" in ref:
            entry = parameter_entry(kb, ref["param"], day, cite)
            if entry is not None:
                entry["role"] = key
                out.append(entry)
    return out
