"""The catalog of rules (`appi-kb rules`): every rule grouped by the source unit (file) that holds
it, or one rule in full — each version's condition, conclusion, exceptions, judgment and citations."""
from __future__ import annotations

import yaml

from ..model import KB, Rule, RuleVersion
from .messages import msg, text_of
from .view import citation_status, colon

INDENT = "  "


def render_list(kb: KB, lang: str = "ja") -> str:
    by_file: dict[str, list[Rule]] = {}
    for rule in kb.rules.values():
        by_file.setdefault(rule.file, []).append(rule)
    units = {u.file: u for u in kb.units.values()}
    width = max((len(r.id) for r in kb.rules.values()), default=0)
    kinds = max((len(r.kind) for r in kb.rules.values()), default=0)
    out: list[str] = []
    for file in sorted(by_file):
        unit = units.get(file)
        title = f"{unit.id} — {text_of(unit.title, lang)}" if unit else ""
        out.append(f"{file}  {title}".rstrip())
        for rule in sorted(by_file[file], key=lambda r: (r.line or 0, r.id)):
            out.append(f"{INDENT}{rule.id:<{width}}  {rule.kind:<{kinds}}  "
                       f"{_versions(rule)}  {text_of(kb.rule_label(rule.id), lang)}")
        out.append("")
    out.append(msg(lang, "c.total", files=len(by_file), rules=len(kb.rules)))
    return "\n".join(out) + "\n"


def _versions(rule: Rule) -> str:
    return ", ".join(f"v{v.version} {v.valid_from}..{v.valid_to or ''}" for v in rule.versions)


def render_rule(kb: KB, rule_id: str, lang: str = "ja") -> str:
    rule = kb.rules[rule_id]
    c = colon(lang)
    unit = kb.units.get(rule.unit_id)
    out = [f"{rule.id} — {text_of(kb.rule_label(rule.id), lang)}",
           f"{msg(lang, 'c.kind')}{c}{rule.kind}",
           f"{msg(lang, 'c.file')}{c}{rule.file}:{rule.line}" if rule.line else
           f"{msg(lang, 'c.file')}{c}{rule.file}"]
    if unit:
        out.append(f"{msg(lang, 'c.unit')}{c}{unit.id} — {text_of(unit.title, lang)}")
    defeated_by = sorted({other.id for other in kb.rules.values() for v in other.versions
                          if rule.id in v.defeats})
    if defeated_by:
        out.append(f"{msg(lang, 'c.defeated_by')}{c}{', '.join(defeated_by)}")
    for v in rule.versions:
        out += [""] + _version(v, lang)
    return "\n".join(out) + "\n"


def _version(v: RuleVersion, lang: str) -> list[str]:
    c = colon(lang)
    end = str(v.valid_to) if v.valid_to else msg(lang, "c.open_end")
    where = f"{v.file}:{v.line}" if v.line else v.file
    out = [f"■ {msg(lang, 'c.version', version=v.version)}  {msg(lang, 'c.valid')}{c}"
           f"{v.valid_from} {msg(lang, 'range_sep').strip() or '-'} {end}  ({where})"]
    out.append(f"{INDENT}{msg(lang, 'c.when')}{c}".rstrip())
    out += _yaml(v.when, 2)
    out.append(f"{INDENT}{msg(lang, 'c.then')}{c}".rstrip())
    out += _yaml(v.then, 2)
    if v.defeats:
        groups = [d["group"] for d in v.defeats_written if isinstance(d, dict)]
        via = "".join(f" [{g}]" for g in groups)       # a group: its members today, listed
        out.append(f"{INDENT}{msg(lang, 'c.defeats')}{c}{', '.join(v.defeats)}{via}")
    if v.judgment:
        out.append(f"{INDENT}{msg(lang, 'c.judgment')}{c}{text_of(v.judgment['question'], lang)}")
    if v.note:
        out.append(f"{INDENT}{msg(lang, 'c.note')}{c}{text_of(v.note, lang)}")
    out.append(f"{INDENT}{msg(lang, 'c.citations')}{c}".rstrip())
    for cit in v.citations:
        out.append(f"{INDENT * 2}● {cit.key} [{citation_status(cit.data, lang)}]")
        out.append(f"{INDENT * 3}「{cit.data['quote']}」")
        if cit.data.get("url"):
            out.append(f"{INDENT * 3}{cit.data['url']}")
        if cit.data.get("note"):
            out.append(f"{INDENT * 3}{msg(lang, 'c.note')}{c}{text_of(cit.data['note'], lang)}")
    return out


def _yaml(data: object, depth: int) -> list[str]:
    """A condition or conclusion as the editor wrote it (block YAML, keys in their written order)."""
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False,
                          width=1000)
    return [INDENT * depth + ln for ln in text.rstrip("\n").splitlines()]
