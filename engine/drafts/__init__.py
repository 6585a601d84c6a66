"""Drafts of the documents the law requires: the report to the PPC, the notice to the individuals
and the public announcement, filled from an incident and its assessment.

What a draft contains and in which order is legal content and lives in rules/drafts/*.yaml
(schemas/draft.schema.json): sections of lines, each fixed text, a labelled value, checkboxes, a
choice or a list, with conditions in the rule condition language. This module only knows how to
read those templates and fill them: a fact that is known is written, with its Japanese label; one
that is not is marked (【要記入】, per template and variant); a condition that cannot be decided
yet leaves its box open and marked. Conditions on facts are evaluated three-valued by
engine.literal; on conclusions, by their status in the assessment.

The result is a plain `Draft` (sections of filled lines, which items are filled and which are
not); engine/drafts/markdown.py and engine/drafts/docx.py write it out.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import dateforms
from ..errors import InputError
from ..facts import FactSet, incident_facts
from ..literal import F, M, T, value_of
from ..paths import RULES_DIR, display
from ..vocabulary import vocabulary
from ..yamlio import Doc, load_yaml
from ..document import expand

DRAFTS_DIR = RULES_DIR / "drafts"
KINDS = ("report", "notice", "publication")
TICK, BOX, OPEN = "☒", "☐", "☐？"
_PLACEHOLDER = re.compile(r"\$\{(fact|detail|done_on|incident):([^}]+)\}|\$\{today\}")
_LEVEL = {"established": T, "undetermined": M, "needs_review": M, "excluded": F,
          "not_established": F}


# ---- the model ---------------------------------------------------------------------------------
@dataclass
class Line:
    label: str | None
    text: str
    filled: bool                   # nothing in it is missing
    item: str | None = None
    kind: str = "value"            # value | text | checkboxes | list
    entries: list = field(default_factory=list)     # list lines: one string per entry


@dataclass
class Section:
    title: str
    lines: list[Line]


@dataclass
class Draft:
    kind: str
    title: str
    variant: str | None
    variant_label: str | None
    follows: list[dict]            # {clause, about}
    required: list[dict]           # {code, label, status, clauses}
    notes: list[str]
    sections: list[Section]
    items: dict[str, str]          # item id -> filled | partial | missing
    item_labels: dict[str, str]
    missing_mark: str
    incident: dict
    today: str | None

    def as_dict(self) -> dict:
        return {"kind": self.kind, "title": self.title, "variant": self.variant,
                "follows": self.follows, "required": self.required, "items": self.items,
                "today": self.today, "incident": self.incident,
                "sections": [{"title": s.title, "lines": [
                    {"label": ln.label, "text": ln.text, "filled": ln.filled, "item": ln.item}
                    for ln in s.lines]} for s in self.sections]}


# ---- templates -----------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def template(kind: str, root: Path = DRAFTS_DIR) -> Doc:
    """The template of one kind of draft, validated against schemas/draft.schema.json."""
    from ..schemas import validate_doc
    path = root / f"{kind}.yaml"
    doc = load_yaml(path, display(path))
    validate_doc(doc, "draft")
    if doc.data["draft"]["id"] != kind:
        raise doc.error(("draft", "id"), f"the draft in {path.name} is '{doc.data['draft']['id']}'",
                        f"name the file after its id, or write id: {kind}", kind="schema")
    check_template(doc)
    return doc


def template_files(root: Path = DRAFTS_DIR) -> list[Path]:
    return sorted(root.glob("*.yaml")) if root.is_dir() else []


def check_template(doc: Doc) -> None:
    """Every condition and fact a template names must exist: checked once, with file and line."""
    vocab = vocabulary()
    errors: list[InputError] = []

    def fact(name: str, path: tuple) -> None:
        if vocab.get(name) is None:
            from ..schemas import suggest
            guess = suggest(name, vocab.facts)
            errors.append(doc.error(path, f"unknown fact '{name}'",
                                    f"did you mean '{guess}'?" if guess else
                                    "facts are defined in schemas/incident.schema.json",
                                    kind="reference"))

    def walk(node: Any, path: tuple) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "fact" and isinstance(value, str):
                    fact(value, path + (key,))
                elif key in ("when",) and isinstance(value, dict):
                    _compile(value, path + (key,), doc, errors)
                walk(value, path + (key,))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, path + (i,))
        elif isinstance(node, str):
            for m in _PLACEHOLDER.finditer(node):
                if m.group(1) == "fact":
                    fact(m.group(2), path)
    walk(doc.data, ())
    variants = doc.data["draft"].get("variants", {})
    for i, dv in enumerate(doc.data["draft"].get("default_variant", [])):
        if dv["variant"] not in variants:
            errors.append(doc.error(("draft", "default_variant", i, "variant"),
                                    f"unknown variant '{dv['variant']}'",
                                    f"use one of: {', '.join(variants)}", kind="reference"))
    if errors:
        from ..errors import InputErrors
        raise errors[0] if len(errors) == 1 else InputErrors(errors)


def _compile(cond: dict, path: tuple, doc: Doc, errors: list) -> None:
    """Check the leaves of a condition the way rule conditions are checked."""
    for leaf, lpath in _leaves(cond, path):
        if "fact" in leaf or "conclusion" in leaf:
            try:
                _lit(leaf, lpath, doc)
            except InputError as exc:
                errors.append(exc)


def _leaves(cond: dict, path: tuple):
    for op in ("all", "any"):
        if op in cond:
            for i, c in enumerate(cond[op]):
                yield from _leaves(c, path + (op, i))
            return
    if "not" in cond:
        yield from _leaves(cond["not"], path + ("not",))
        return
    yield cond, path


def _lit(leaf: dict, path: tuple, doc: Doc | None):
    from ..conditions import normalise

    def err(p, message, hint=None):
        if doc is None:
            return InputError(message, hint=hint, kind="reference")
        return doc.error(p, message, hint, kind="reference")

    def no_params(pid, p):
        raise err(p, f"a draft condition cannot use parameter '{pid}'", "write the value itself")
    return normalise(leaf, path, vocabulary(), no_params, err)


# ---- filling -------------------------------------------------------------------------------------
class _Filler:
    def __init__(self, tdoc: Doc, incident: Doc, assessment: dict, variant: str | None,
                 today: _dt.date | None) -> None:
        self.t = tdoc.data
        self.incident = incident
        self.data = incident.data
        self.facts: FactSet = incident_facts(incident)
        self.levels = {c["code"]: _LEVEL.get(c["status"], F) for c in assessment["conclusions"]}
        self.a = assessment
        self.variant = variant
        self.today = today
        marks = self.t["draft"]["missing"]
        self.mark = marks.get(variant or "default", marks.get("default", "【要記入】"))
        self.vocab = vocabulary()

    # conditions: T / M / F
    def cond(self, c: dict | None) -> str:
        if not c:
            return T
        if "all" in c:
            vals = [self.cond(x) for x in c["all"]]
            return F if F in vals else (M if M in vals else T)
        if "any" in c:
            vals = [self.cond(x) for x in c["any"]]
            return T if T in vals else (M if M in vals else F)
        if "not" in c:
            return {T: F, F: T, M: M}[self.cond(c["not"])]
        if "variant" in c:
            return T if c["variant"] == self.variant else F
        if "detail" in c:
            return T if self.detail(c["detail"]) not in (None, "", [], {}) else F
        node = _lit(c, (), None)
        return self._node(node)

    def _node(self, node) -> str:
        from ..conditions import Lit
        if isinstance(node, Lit):
            return value_of(node, self.facts, self.levels)
        vals = [self._node(k) for k in node.children]
        if node.op == "all":
            return F if F in vals else (M if M in vals else T)
        return T if T in vals else (M if M in vals else F)

    # values
    def detail(self, path: str) -> Any:
        node: Any = self.data.get("details") or {}
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def fact_text(self, name: str, unit: str | None = None, join: str = "、") -> str | None:
        fdef = self.vocab.get(name)
        if name in self.facts.text:
            return self.facts.text[name]
        if fdef is not None and fdef.kind == "quantity":
            exact = self.facts.known.get(name)
            if exact is not None:
                return f"{exact:,}{unit or ''}"
            top = self.facts.known.get(fdef.max_name)
            return None if top is None else f"最大{top:,}{unit or ''}（確定していない）"
        if name not in self.facts.known:
            return None
        value = self.facts.known[name]
        if fdef is not None and fdef.kind == "date":
            return _day(value)
        if isinstance(value, list):
            if not value:
                return None
            order = {v: i for i, v in enumerate(fdef.values)}      # as the schema lists them
            return join.join(fdef.value_label(v, "ja")
                             for v in sorted(value, key=lambda v: order.get(v, len(order))))
        if fdef is not None and fdef.kind in ("enum", "bool"):
            return fdef.value_label(value, "ja")
        text = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
        return text + (unit or "")

    def source(self, src: dict) -> str | None:
        if "when" in src and self.cond(src["when"]) != T:
            return None
        unit = src.get("unit")
        if "first" in src:
            for s in src["first"]:
                got = self.source(s)
                if got:
                    return got
            return None
        if "fact" in src:
            return self.fact_text(src["fact"], unit, src.get("join", "、"))
        if "detail" in src:
            v = self.detail(src["detail"])
            if v in (None, "", [], {}):
                return None
            if isinstance(v, list):
                return src.get("join", "、").join(str(x) for x in v)
            if isinstance(v, int) and not isinstance(v, bool):
                return f"{v:,}{unit or ''}"
            return _day(v) if _is_iso(v) else str(v) + (unit or "")
        if "today" in src:
            return _day(self.today.isoformat()) if self.today else None
        if "done_on" in src:
            on = ((self.data.get("response") or {}).get("taken_on") or {}).get(src["done_on"])
            return _day(on) if on else None
        if "incident" in src:
            v = (self.data.get("incident") or {}).get(src["incident"])
            return str(v) if v else None
        if "text" in src:
            return self.fill_text(src["text"])[0]
        return None

    def fill_text(self, text: str) -> tuple[str, bool]:
        """Placeholders replaced; a missing one becomes the mark. (text, nothing missing)"""
        ok = True

        def sub(m: re.Match) -> str:
            nonlocal ok
            if m.group(0) == "${today}":
                got = self.source({"today": True})
            else:
                got = self.source({m.group(1): m.group(2)})
            if not got:
                ok = False
                return self.mark
            return got
        return _PLACEHOLDER.sub(sub, text), ok

    # lines
    def line(self, spec: dict, item: str | None) -> Line | None:
        item = spec.get("item", item)
        if "variants" in spec and self.variant not in spec["variants"]:
            return None
        shown = self.cond(spec.get("when"))
        if shown == F:
            return None
        label = spec.get("label")
        if shown == M and label:
            label += "（該当する場合）"
        optional = spec.get("optional", False)
        if "checkboxes" in spec:
            return self.checkboxes(spec, label, item)
        if "choose" in spec:
            for option in spec["choose"]:
                v = self.cond(option.get("when"))
                if v == T:
                    text, ok = self.fill_text(option["text"])
                    return Line(label, text, ok, item)
                if v == M:
                    break
            return Line(label, self.mark, optional, item)
        if "list" in spec:
            entries = self.detail(spec["list"]["detail"]) or []
            out = []
            for e in entries:
                if isinstance(e, dict):
                    when = _day(e["date"], short=True) if e.get("date") else ""
                    if e.get("until"):
                        when += "～" + _day(e["until"], short=True)
                    out.append((when + " " if when else "") + e.get("text", ""))
                else:
                    out.append(str(e))
            if not out:
                return Line(label, self.mark if not optional else "", optional, item, "list")
            return Line(label, "\n".join(out), True, item, "list", out)
        if "value" in spec:
            got = self.source(spec["value"])
            if got is None:
                return Line(label, "" if optional else self.mark, optional, item)
            return Line(label, got, True, item)
        text, ok = self.fill_text(spec.get("text", ""))
        return Line(label, text, ok, item, "text")

    def checkboxes(self, spec: dict, label: str | None, item: str | None) -> Line:
        parts, ok = [], True
        for box in spec["checkboxes"]:
            if "rest_of" in box:
                rest = box["rest_of"]
                fdef = self.vocab.get(rest["fact"])
                known = self.facts.known.get(rest["fact"])
                if known is None:
                    parts.append(f"{OPEN} {box['label']}")
                    ok = False
                    continue
                others = [v for v in known if v not in rest["except"]]
                if others:
                    names = "、".join(fdef.value_label(v, "ja") for v in others)
                    parts.append(f"{TICK} {box['label']}（{names}）")
                else:
                    parts.append(f"{BOX} {box['label']}")
                continue
            v = self.cond(box.get("when"))
            if v == T:
                extra = ""
                if box.get("extra"):
                    text, filled = self.fill_text(box["extra"])
                    extra = " " + text
                    ok = ok and filled
                parts.append(f"{TICK} {box['label']}{extra}")
            elif v == F:
                parts.append(f"{BOX} {box['label']}")
            else:
                parts.append(f"{OPEN} {box['label']}")
                ok = False
        text = "　".join(parts)
        if not ok:
            text += f"　{self.mark}"
        return Line(label, text, ok, item, "checkboxes")


def choose_variant(tdoc: Doc, incident: Doc, assessment: dict, wanted: str | None) -> str | None:
    d = tdoc.data["draft"]
    variants = d.get("variants") or {}
    if not variants:
        return None
    if wanted:
        if wanted not in variants:
            raise InputError(f"the {d['id']} draft has no variant '{wanted}'", file="--variant",
                             hint=f"use one of: {', '.join(variants)}", kind="usage")
        return wanted
    probe = _Filler(tdoc, incident, assessment, None, None)
    for dv in d.get("default_variant", []):
        if probe.cond(dv.get("when")) == T:
            return dv["variant"]
    return next(iter(variants))


def build(kind: str, incident: Doc, assessment: dict, *, variant: str | None = None,
          today: _dt.date | None = None, root: Path = DRAFTS_DIR) -> Draft:
    """The draft of `kind` for an assessed incident."""
    assessment = expand(assessment)
    tdoc = template(kind, root)
    d = tdoc.data["draft"]
    variant = choose_variant(tdoc, incident, assessment, variant)
    f = _Filler(tdoc, incident, assessment, variant, today)
    sections, items = [], {}
    for sec in tdoc.data["sections"]:
        if "variants" in sec and variant not in sec["variants"]:
            continue
        if f.cond(sec.get("when")) == F:
            continue
        lines = [ln for spec in sec["lines"] for ln in [f.line(spec, sec.get("item"))] if ln]
        for ln in lines:
            if ln.item:
                was = items.get(ln.item)
                now = "filled" if ln.filled else "missing"
                items[ln.item] = now if was in (None, now) else "partial"
        sections.append(Section(sec["title"], lines))
    concl = {c["code"]: c for c in assessment["conclusions"]}
    required = []
    for code in d["required_by"]:
        c = concl.get(code)
        if c is None:
            continue
        clauses = sorted({cit["key"] for r in c["rules"] if r["status"] in ("holds", "open")
                          for cit in r["citations"]})
        required.append({"code": code, "label": c["label"], "status": c["status"], "clauses": clauses})
    meta = incident.data.get("incident") or {}
    return Draft(kind, d["title"]["ja"], variant,
                 (d.get("variants") or {}).get(variant, {}).get("ja") if variant else None,
                 [{"clause": x["clause"], "about": x["about"]["ja"]} for x in d["follows"]],
                 required, [n["ja"] for n in d.get("notes", [])], sections,
                 dict(sorted(items.items(), key=lambda kv: _item_order(kv[0]))),
                 {k: v["ja"] for k, v in (d.get("items") or {}).items()}, f.mark,
                 {"id": meta.get("id"), "title": meta.get("title"), "file": incident.path},
                 today.isoformat() if today else None)


# ---- dates ---------------------------------------------------------------------------------------
def _is_iso(v: Any) -> bool:
    return isinstance(v, str) and bool(re.match(r"^\d{4}-\d{2}-\d{2}$", v))


def _day(iso: str, short: bool = False) -> str:
    """A date as Japanese documents write it: 令和6年4月1日（2024-04-01）."""
    day = _dt.date.fromisoformat(iso)
    era = dateforms.wareki(day)
    if short:
        return era
    return f"{era}（{iso}）"


def _item_order(item: str) -> tuple:
    return (0, int(item), "") if item.isdigit() else (1, 0, item)
