"""The validated knowledge base as Python objects. Built by `kbload`, read by everything after it."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

Text = dict  # {"ja": str, "en": str}


@dataclass(frozen=True)
class Citation:
    data: dict               # the citation exactly as written in YAML (validated)
    key: str                 # canonical clause name, e.g. 規則7条1号, 法26条1項ただし書, 通則GL 3-5-3-1
    key_en: str              # the same in English, e.g. Rules art. 7 item 1
    file: str
    line: int | None

    @property
    def status(self) -> str:
        return self.data["status"]


@dataclass
class ParamVersion:
    valid_from: _dt.date
    valid_to: _dt.date | None
    value: Any
    citations: list[Citation]
    line: int | None


@dataclass
class Parameter:
    id: str
    label: Text
    unit: str | None
    versions: list[ParamVersion]
    file: str
    line: int | None
    constraints: dict | None = None     # its own, as written (the unit's are in kb.yaml)

    def version_on(self, day: _dt.date) -> ParamVersion | None:
        for pv in self.versions:
            if pv.valid_from <= day and (pv.valid_to is None or day <= pv.valid_to):
                return pv
        return None


@dataclass
class RuleVersion:
    rule_id: str
    version: int
    valid_from: _dt.date
    valid_to: _dt.date | None
    citations: list[Citation]
    when: dict
    then: dict
    defeats: list[str]
    judgment: dict | None
    note: Text | None
    file: str
    line: int | None
    when_path: tuple      # path of `when` inside the file, for messages
    defeats_written: list = field(default_factory=list)   # as written: rule ids and {group: id}
    label: Text | None = None                              # this version's own label, if any

    @property
    def ref(self) -> str:
        return f"{self.rule_id}@{self.version}"

    def in_force(self, day: _dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass
class Rule:
    id: str
    label: Text
    kind: str
    versions: list[RuleVersion]
    unit_id: str
    file: str
    line: int | None

    def version_on(self, day: _dt.date) -> RuleVersion | None:
        for v in self.versions:
            if v.in_force(day):
                return v
        return None


@dataclass
class ConclusionDef:
    code: str
    label: Text
    section: str
    order: int
    headline: bool
    show: str
    negative_label: Text | None
    file: str
    line: int | None
    labels: list = field(default_factory=list)     # dated labels: [{valid_from, valid_to, ja, en}]


@dataclass
class Group:
    """Rules of one unit chosen by a rule (`members`), so that rules added later belong too."""
    id: str
    label: Text
    unit_id: str
    selector: dict          # as written: {id_prefix, kind}
    members: list[str]      # rule ids, sorted
    read_by: list[str]      # rules that must read every member's conclusion
    file: str
    line: int | None


@dataclass
class Unit:
    id: str
    title: Text
    source_type: str
    data: dict
    file: str


@dataclass
class Section:
    id: str
    title: Text
    order: int
    needs_input: tuple = ()     # shown only when the input has one of these top-level parts


@dataclass
class KB:
    id: str
    version: str
    title: Text
    as_of_facts: list[str]
    sources: list[dict]
    sections: dict[str, Section]
    units: dict[str, Unit]
    rules: dict[str, Rule]
    parameters: dict[str, Parameter]
    conclusions: dict[str, ConclusionDef]
    files_hash: str
    files: list[str]
    warnings: list[str] = field(default_factory=list)
    actions_done_fact: str | None = None
    documented_examples: list = field(default_factory=list)   # [{id, line, gist}] of the seed deck
    value_labels: dict = field(default_factory=dict)          # then.values key -> {ja, en}
    docs: dict = field(default_factory=dict)      # file -> loaded Doc, for line numbers in later errors
    citation_parts: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)    # group id -> Group
    root: Any = None              # the folder it was loaded from (a Path)
    file_hashes: dict = field(default_factory=dict)   # rel path -> SHA-256 of its canonical content
    scope: dict | None = None     # kb.yaml `scope`: what the KB covers and does not (engine/scope.py)
    pending: list = field(default_factory=list)   # rules/pending/ records: coming changes (engine/pending.py)

    # ---- labels as of a date (they may follow a parameter or change by date) -------------------
    def _param_value(self, day: _dt.date | None):
        def value_of(pid: str):
            p = self.parameters.get(pid)
            pv = p.version_on(day) if (p is not None and day is not None) else None
            if pv is None and p is not None and day is None and p.versions:
                pv = p.versions[-1]
            return None if pv is None else pv.value
        return value_of

    def conclusion_label(self, code: str, day: _dt.date | None = None) -> Text:
        from .labels import dated, fill
        c = self.conclusions[code]
        return fill(dated(c.label, c.labels, day), self._param_value(day))

    def rule_label(self, rule_id: str, day: _dt.date | None = None) -> Text:
        from .labels import fill
        rule = self.rules[rule_id]
        v = rule.version_on(day) if day is not None else None
        return fill((v.label if v and v.label else rule.label), self._param_value(day))

    def error_at(self, file: str, path: tuple, message: str, hint: str | None = None,
                 kind: str = "compile"):
        from .errors import InputError
        doc = self.docs.get(file)
        if doc is None:
            return InputError(message, file=file, hint=hint, kind=kind)
        return doc.error(path, message, hint, kind=kind)

    def all_citations(self) -> list[tuple[str, Citation]]:
        out = []
        for rule in self.rules.values():
            for v in rule.versions:
                out.extend((v.ref, c) for c in v.citations)
        for p in self.parameters.values():
            for i, pv in enumerate(p.versions):
                out.extend((f"{p.id}#{i + 1}", c) for c in pv.citations)
        return out
