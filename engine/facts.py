"""Incident file -> atomic facts, the engine's input.

Every fact of the vocabulary becomes exactly one of:
  known    {"t": "f", "n": NAME, "v": VALUE}                  (sets also carry "p", see below)
  unknown  {"t": "u", "n": NAME}                              (left out, or written 'unknown')
A set fact (a list of values) keeps what is confirmed in "v" and what is confirmed *or possible*
in "p", so a rule can be certain, impossible or undetermined about membership. Both lists start
with a sentinel so that "every member ..." tests also work on an empty list (durable-rules never
matches $iall on an empty array).
A quantity (how many people) gives an exact fact and a series of dated upper bounds; a rule that
fires on a dated point records the date, which is how "from the day it passed N" is computed.
"""
from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from typing import Any

from .errors import InputError
from .memo import keep
from .vocabulary import FactDef, Vocabulary, vocabulary
from .yamlio import Doc

SENTINEL = "__"


@dataclass
class FactSet:
    known: dict[str, Any] = field(default_factory=dict)      # name -> value (display form)
    unknown: set[str] = field(default_factory=set)
    possible: dict[str, list] = field(default_factory=dict)  # set name -> possible extra values
    series: dict[str, list] = field(default_factory=dict)    # name -> [(date|None, value)]
    text: dict[str, str] = field(default_factory=dict)
    durable: list[dict] = field(default_factory=list)

    def date(self, name: str) -> str | None:
        v = self.known.get(name)
        return v if isinstance(v, str) else None

    def keys(self) -> list[str]:
        """Canonical JSON of each atom (entries of `durable`), in the same order."""
        cached = self.__dict__.get("_keys")
        if cached is None or len(cached) != len(self.durable):
            cached = self.__dict__["_keys"] = [_atom_key(a) for a in self.durable]
        return cached

    def atoms_of(self, name: str) -> list[dict]:
        """The atoms (entries of `durable`) of one fact: one, or one per dated point of a series."""
        index = self.__dict__.get("_index")
        if index is None or index[0] != len(self.durable):
            by_name: dict[str, list[dict]] = {}
            for atom in self.durable:
                by_name.setdefault(atom["n"], []).append(atom)
            index = self.__dict__["_index"] = (len(self.durable), by_name)
        return index[1].get(name, [])


_KEYS: dict[tuple, str] = {}


def _atom_key(atom: dict) -> str:
    """Canonical JSON of an atom, remembered: the same atoms recur across incidents."""
    raw = tuple([(k, type(v), tuple(v) if isinstance(v, list) else v)   # (a list: faster
                 for k, v in atom.items()])                             # than a generator)
    found = _KEYS.get(raw)
    if found is None:
        found = keep(_KEYS, raw, json.dumps(atom, sort_keys=True, ensure_ascii=False), 50_000)
    return found


def incident_facts(doc: Doc, vocab: Vocabulary | None = None) -> FactSet:
    """`doc` must already be valid against incident.schema.json."""
    from .incident_input import normalise
    normalise(doc)                    # read as a person wrote it (a no-op once validated)
    vocab = vocab or vocabulary()
    data = doc.data
    fs = FactSet()
    for name, fdef in vocab.facts.items():
        if fdef.kind in ("series", "possible") or fdef.day_count:
            continue
        sec, key = fdef.path
        raw = data.get(sec, {}).get(key, "unknown")
        if fdef.kind == "text":
            if raw != "unknown":
                fs.text[name] = raw
            continue
        if fdef.kind == "quantity":
            _quantity(fs, fdef, raw, doc)
            continue
        if raw == "unknown":
            fs.unknown.add(name)
            fs.durable.append({"t": "u", "n": name})
            continue
        if fdef.kind == "set":
            extra = _possible_for(vocab, fdef, data)
            extra = sorted(set(extra) - set(raw))
            v = [SENTINEL] + sorted(raw)
            p = [SENTINEL] + sorted(set(raw) | set(extra))
            fs.known[name] = sorted(raw)
            if extra:
                fs.possible[name] = extra
            fs.durable.append({"t": "f", "n": name, "v": v, "p": p})
            continue
        fs.known[name] = raw
        fs.durable.append({"t": "f", "n": name, "v": raw})
    _check_consistency(fs, doc, vocab)
    for name, fdef in vocab.facts.items():
        if fdef.day_count:
            _day_count(fs, fdef)
    return fs


def _day_count(fs: FactSet, fdef: FactDef) -> None:
    """A derived number: on which day, counted from another date, a date fell (x-day-count in
    the incident schema says from which date and which number the first day has). Unknown when
    either date is."""
    start_name, first = fdef.day_count
    start, day = fs.date(start_name), fs.date(".".join(fdef.path))
    if start is None or day is None:
        fs.unknown.add(fdef.name)
        fs.durable.append({"t": "u", "n": fdef.name})
        return
    n = (_dt.date.fromisoformat(day) - _dt.date.fromisoformat(start)).days + first
    fs.known[fdef.name] = n
    fs.durable.append({"t": "f", "n": fdef.name, "v": n})


def _possible_for(vocab: Vocabulary, fdef: FactDef, data: dict) -> list:
    for other in vocab.facts.values():
        if other.kind == "possible" and other.possible_of == fdef.name:
            sec, key = other.path
            return list(data.get(sec, {}).get(key, []))
    return []


def _quantity(fs: FactSet, fdef: FactDef, raw: Any, doc: Doc) -> None:
    exact, points = None, []
    if isinstance(raw, int) and not isinstance(raw, bool):
        exact, points = raw, [(None, raw)]
    elif isinstance(raw, dict):
        if "count" in raw:
            exact = raw["count"]
            points.append((None, raw["count"]))
        if "at_most" in raw:
            if exact is not None and raw["at_most"] < exact:
                raise doc.error(fdef.path + ("at_most",), f"{fdef.name}: at_most ({raw['at_most']}) is "
                                f"smaller than count ({exact})", "an upper bound cannot be below the count",
                                kind="value")
            points.append((None, raw["at_most"]))
        history = raw.get("history", [])
        last = None
        for i, h in enumerate(history):
            if last and h["date"] < last:
                raise doc.error(fdef.path + ("history", i, "date"), "history dates must be in order",
                                "list the counts from the earliest date to the latest", kind="value")
            last = h["date"]
            if "count" in h and "at_most" in h and h["at_most"] < h["count"]:
                raise doc.error(fdef.path + ("history", i), "at_most is smaller than count",
                                "an upper bound cannot be below the count", kind="value")
            points.append((h["date"], h.get("at_most", h.get("count"))))
            if "count" in h and exact is None and i == len(history) - 1:
                exact = h["count"]
    if exact is None:
        fs.unknown.add(fdef.name)
        fs.durable.append({"t": "u", "n": fdef.name})
    else:
        fs.known[fdef.name] = exact
        fs.durable.append({"t": "f", "n": fdef.name, "v": exact})
    if not points:
        fs.unknown.add(fdef.max_name)
        fs.durable.append({"t": "u", "n": fdef.max_name})
        return
    fs.series[fdef.max_name] = points
    fs.known[fdef.max_name] = max(v for _, v in points)
    for day, value in points:
        fact = {"t": "f", "n": fdef.max_name, "v": value}
        if day:
            fact["on"] = day
        fs.durable.append(fact)


def _check_consistency(fs: FactSet, doc: Doc, vocab: Vocabulary) -> None:
    """Dates that cannot both be true are bad input, not a question for the law
    (x-not-before in the incident schema says which date may not precede which)."""
    for name, fdef in vocab.facts.items():
        later = fs.date(name) if fdef.kind == "date" else None
        for earlier_name in fdef.not_before:
            earlier = fs.date(earlier_name)
            if later and earlier and later < earlier:
                raise doc.error(fdef.path, f"{name} ({later}) is before {earlier_name} ({earlier})",
                                "one of the two dates is wrong", kind="value")


def fact_order_key(fact: dict) -> tuple:
    """Canonical order for asserting facts: the result must not depend on the file's order."""
    return (fact.get("t", ""), fact.get("n", ""), json.dumps(fact, sort_keys=True, ensure_ascii=False))
