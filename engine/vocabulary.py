"""The fact vocabulary: every fact an incident can state, read from schemas/incident.schema.json.

The schema is the single place where a fact is named, typed and worded (x-label, x-question,
x-enum-labels); rules are checked against this vocabulary, and the questions an assessment asks
about unknown facts come from it. Nothing here knows what any fact means in law.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from .schemas import load_schema

KINDS = ("enum", "bool", "set", "quantity", "number", "date", "text", "possible")


@dataclass(frozen=True)
class FactDef:
    name: str                      # dotted path: section.key
    kind: str                      # one of KINDS, or "series" for a quantity's upper bound
    label: dict
    question: dict | None
    values: tuple = ()             # allowed values for enum / set
    value_labels: dict = field(default_factory=dict)
    possible_of: str | None = None  # for kind 'possible': the set fact it widens
    max_name: str | None = None     # for kind 'quantity': the name of its upper-bound series fact
    path: tuple = ()
    not_before: tuple = ()          # for kind 'date': date facts this one cannot precede
    day_count: tuple = ()           # derived from a date: (date fact counted from, number of that day)
    derived_from: tuple = ()        # facts this one is computed from when a file is read (asked instead)

    def value_label(self, value, lang: str) -> str:
        if isinstance(value, bool):
            return {"ja": "はい" if value else "いいえ", "en": "yes" if value else "no"}[lang]
        lab = self.value_labels.get(value)
        return lab[lang] if lab else str(value)


@dataclass(frozen=True)
class Vocabulary:
    facts: dict            # name -> FactDef (includes derived upper-bound facts)
    sections: tuple        # top-level keys that hold facts, in schema order
    meta_sections: tuple   # top-level keys that are not facts (incident metadata)

    def get(self, name: str) -> FactDef | None:
        return self.facts.get(name)


@lru_cache(maxsize=None)
def vocabulary() -> Vocabulary:
    schema = load_schema("incident")
    defs = schema.get("$defs", {})
    facts: dict[str, FactDef] = {}
    sections, meta = [], []
    for sec, sub in schema["properties"].items():
        if sec.startswith("$"):
            continue
        props = sub.get("properties", {})
        leaves = [(k, v) for k, v in props.items() if "x-kind" in v]
        if not leaves:
            meta.append(sec)
            continue
        sections.append(sec)
        for key, leaf in leaves:
            name = f"{sec}.{key}"
            kind = leaf["x-kind"]
            values: tuple = ()
            if kind == "enum":
                values = tuple(v for v in leaf["enum"] if v != "unknown")
            elif kind == "set":
                arr = next(b for b in leaf["anyOf"] if b.get("type") == "array")
                values = tuple(_resolve(arr["items"], defs)["enum"])
            elif kind == "bool":
                values = (True, False)
            labels = {k: v for k, v in leaf.get("x-enum-labels", {}).items()}
            possible_of = f"{sec}.{leaf['x-possible-of']}" if kind == "possible" else None
            max_name = f"{sec}.{leaf['x-fact-max']}" if kind == "quantity" else None
            facts[name] = FactDef(name, kind, leaf["x-label"], leaf.get("x-question"), values,
                                  labels, possible_of, max_name, (sec, key),
                                  tuple(leaf.get("x-not-before", ())),
                                  derived_from=_tuple(leaf.get("x-derived-from")))
            count = leaf.get("x-day-count")
            if count:                     # a date's day number counted from another date
                facts[f"{sec}.{count['fact']}"] = FactDef(
                    f"{sec}.{count['fact']}", "number", count["x-label"], count.get("x-question"),
                    path=(sec, key), day_count=(count["from"], count["start_is_day"]))
            if max_name:
                label = {"ja": leaf["x-label"]["ja"] + "（最大）",
                         "en": leaf["x-label"]["en"] + " (upper bound)"}
                facts[max_name] = FactDef(max_name, "series", label, leaf.get("x-question"),
                                          path=(sec, key))
    return Vocabulary(facts, tuple(sections), tuple(meta))


def _tuple(value) -> tuple:
    return tuple(value) if isinstance(value, list) else ((value,) if value else ())


def _resolve(schema: dict, defs: dict) -> dict:
    ref = schema.get("$ref")
    if ref:
        return defs[ref.rsplit("/", 1)[-1]]
    return schema
