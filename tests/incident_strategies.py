"""Hypothesis strategies for incidents, derived from schemas/incident.schema.json.

Every fact the schema declares (by `x-kind`) is drawn, so a fact another stream adds is covered
without touching this file: enums and yes/no facts from their `enum` (with `unknown`), lists as
any subset of their values or `unknown`, counts as 0/1/999/1000/1001/huge or any number, as
`at_most`, or as a dated history, dates around 2024-04-01, year ends and leap days (and, rarely,
the ends of the accepted range), text as any short string. Dates that the schema says cannot
precede another (`x-not-before`) are moved so that they do not, and a history is in date order:
what is drawn is always a valid incident.
"""
from __future__ import annotations

import datetime as _dt

from hypothesis import strategies as st

from engine.schemas import load_schema

SPECIAL_DATES = sorted({
    *(_dt.date(2024, 3, 25) + _dt.timedelta(days=i) for i in range(14)),    # the 2024-04-01 amendment
    *(_dt.date(2023, 12, 24) + _dt.timedelta(days=i) for i in range(14)),   # year end and 1/1-1/3
    *(_dt.date(2024, 12, 24) + _dt.timedelta(days=i) for i in range(14)),
    _dt.date(2020, 2, 29), _dt.date(2024, 2, 28), _dt.date(2024, 2, 29), _dt.date(2024, 3, 1),
    _dt.date(2028, 2, 29), _dt.date(2022, 3, 31), _dt.date(2022, 4, 1), _dt.date(2022, 4, 2),
    _dt.date(2024, 5, 3), _dt.date(2024, 5, 6),                               # Golden Week
})
EXTREME_DATES = [_dt.date(1900, 1, 1), _dt.date(2999, 12, 31), _dt.date(2999, 12, 20)]
COUNTS = [0, 1, 999, 1000, 1001, 5000, 10 ** 6, 2 ** 31, 2 ** 63 - 1, 2 ** 63, 10 ** 30]

dates = st.one_of(st.sampled_from(SPECIAL_DATES),
                  st.dates(_dt.date(2021, 10, 1), _dt.date(2031, 12, 31))).map(_dt.date.isoformat)
rare_dates = st.sampled_from(EXTREME_DATES).map(_dt.date.isoformat)
law_dates = st.one_of(st.sampled_from([d for d in SPECIAL_DATES if d >= _dt.date(2022, 4, 1)]),
                      st.dates(_dt.date(2022, 4, 1), _dt.date(2031, 12, 31)))
counts = st.one_of(st.sampled_from(COUNTS), st.integers(0, 3000))


def _date_strategy():
    # the ends of the accepted range (no rule is in force then: exit 2) once in 40 draws
    return st.integers(0, 39).flatmap(lambda i: rare_dates if i == 0 else dates)


@st.composite
def quantities(draw, unknown: bool = True):
    forms = ["int", "int", "count", "at_most", "both", "history"] + (["unknown"] if unknown else [])
    form = draw(st.sampled_from(forms))
    if form == "int":
        return draw(counts)
    if form == "unknown":
        return "unknown"
    if form == "count":
        return {"count": draw(counts)}
    if form == "at_most":
        return {"at_most": draw(counts)}
    if form == "both":
        c = draw(counts)
        return {"count": c, "at_most": c + draw(st.integers(0, 2000))}
    days = sorted(draw(st.lists(dates, min_size=1, max_size=4)))
    history = []
    for day in days:
        entry = {"date": day}
        kind = draw(st.sampled_from(["count", "at_most", "both"]))
        c = draw(counts)
        if kind in ("count", "both"):
            entry["count"] = c
        if kind in ("at_most", "both"):
            entry["at_most"] = c + (draw(st.integers(0, 2000)) if kind == "both" else 0)
        history.append(entry)
    out = {"history": history}
    if draw(st.booleans()):
        out["at_most"] = max(max(h.get("at_most", h.get("count", 0)) for h in history),
                             draw(counts))
    return out


def _resolve(schema: dict, defs: dict) -> dict:
    ref = schema.get("$ref")
    return defs[ref.rsplit("/", 1)[-1]] if ref else schema


def leaf_strategy(leaf: dict, defs: dict, unknown: bool = True):
    """Values of one fact; with unknown=False only known values."""
    kind = leaf["x-kind"]
    maybe_unknown = [st.just("unknown")] if unknown else []
    if kind in ("enum", "bool"):
        return st.sampled_from([v for v in leaf["enum"] if unknown or v != "unknown"])
    per_kind = next((b for b in leaf.get("anyOf", ()) if b.get("type") == "object"), None)
    if kind == "set" and per_kind is not None:
        # event.status as a person writes it: one value for every kind, or one per kind (several
        # values in a list say nothing about which kind has which, and the reader refuses them)
        values = [v for v in next(b for b in leaf["anyOf"] if "enum" in b)["enum"]]
        return st.one_of(*maybe_unknown, st.sampled_from(values),
                         st.sampled_from(values).map(lambda v: [v]),
                         st.dictionaries(st.sampled_from(sorted(per_kind["properties"])),
                                         st.sampled_from(values + (["unknown"] if unknown else [])),
                                         min_size=1))
    if kind == "set":
        arr = next(b for b in leaf["anyOf"] if b.get("type") == "array")
        values = _resolve(arr["items"], defs)["enum"]
        return st.one_of(*maybe_unknown, st.lists(st.sampled_from(values), unique=True),
                         st.lists(st.sampled_from(values), unique=True, min_size=len(values) // 2))
    if kind == "possible":
        values = _resolve(leaf["items"], defs)["enum"]
        return st.lists(st.sampled_from(values), unique=True, max_size=6)
    if kind == "quantity":
        return quantities(unknown)
    if kind == "date":
        return st.one_of(_date_strategy(), *maybe_unknown)
    if kind == "number":
        return st.one_of(counts, *maybe_unknown)
    if kind == "text":
        return st.text(max_size=min(leaf.get("maxLength", 40), 40))
    raise AssertionError(f"no strategy for x-kind '{kind}': add one to tests/incident_strategies.py")


def _fix_dates(data: dict, schema: dict) -> dict:
    """Move a date forward to the one it may not precede (x-not-before), as often as needed."""
    rules = []
    for sec, sub in schema["properties"].items():
        for key, leaf in sub.get("properties", {}).items():
            for earlier in leaf.get("x-not-before", ()):
                rules.append(((sec, key), tuple(earlier.split(".", 1))))
    for _ in range(len(rules) + 1):
        changed = False
        for (sec, key), (esec, ekey) in rules:
            later, before = data.get(sec, {}).get(key), data.get(esec, {}).get(ekey)
            if isinstance(later, str) and isinstance(before, str) and "unknown" not in (later, before) \
                    and later < before:
                data[sec][key] = before
                changed = True
        if not changed:
            break
    return data


@st.composite
def incidents(draw):
    """A valid incident: each section (and each of its facts) present or left out."""
    schema = load_schema("incident")
    defs = schema.get("$defs", {})
    data: dict = {}
    if draw(st.booleans()):
        data["incident"] = {"id": "generated", "title": draw(st.text(max_size=40))}
    for sec, sub in schema["properties"].items():
        if sec.startswith("$") or sec == "incident":
            continue
        # a derived fact (x-derived-from) is not input: the reader refuses it with a message
        leaves = {k: leaf_strategy(v, defs) for k, v in sub.get("properties", {}).items()
                  if "x-kind" in v and "x-derived-from" not in v}
        if not leaves or not draw(st.integers(0, 9)):        # a section is left out 1 time in 10
            continue
        section = draw(st.fixed_dictionaries({}, optional=leaves))
        if section:
            data[sec] = section
    return _fix_dates(_fix_status(data), schema)


def _fix_status(data: dict) -> dict:
    """A status given per kind names kinds the incident lists: when both are drawn, the kinds
    named in the status join event.kinds (the reader refuses a status for an unlisted kind)."""
    event = data.get("event", {})
    if isinstance(event.get("status"), dict) and isinstance(event.get("kinds"), list):
        event["kinds"] = event["kinds"] + sorted(set(event["status"]) - set(event["kinds"]))
    return data


def unknown_facts(data: dict) -> list[tuple[str, str]]:
    """The (section, key) of every fact an incident leaves unknown (written so, or left out)."""
    schema = load_schema("incident")
    out = []
    for sec, sub in schema["properties"].items():
        for key, leaf in sub.get("properties", {}).items():
            if "x-kind" not in leaf or leaf["x-kind"] in ("text", "possible") \
                    or "x-derived-from" in leaf:
                continue
            if data.get(sec, {}).get(key, "unknown") == "unknown":
                out.append((sec, key))
    return out


def fact_values(sec: str, key: str):
    """A known value for one fact (what replaces its `unknown`)."""
    schema = load_schema("incident")
    leaf = schema["properties"][sec]["properties"][key]
    return leaf_strategy(leaf, schema.get("$defs", {}), unknown=False)
