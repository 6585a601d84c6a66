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
