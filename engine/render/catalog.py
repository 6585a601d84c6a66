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
    params: dict[str, list] = {}
    for p in kb.parameters.values():
        params.setdefault(p.file, []).append(p)
    out: list[str] = []
    for file in sorted(set(by_file) | set(params)):
        unit = units.get(file)
        title = f"{unit.id} — {text_of(unit.title, lang)}" if unit else ""
        out.append(f"{file}  {title}".rstrip())
        for rule in sorted(by_file.get(file, []), key=lambda r: (r.line or 0, r.id)):
            out.append(f"{INDENT}{rule.id:<{width}}  {rule.kind:<{kinds}}  "
                       f"{_versions(rule)}  {text_of(kb.rule_label(rule.id), lang)}")
        for p in sorted(params.get(file, []), key=lambda p: (p.line or 0, p.id)):
            out.append(f"{INDENT}{p.id:<{width}}  {'param':<{kinds}}  {_param_versions(p)}  "
                       f"{text_of(p.label, lang)}")
        out.append("")
    out.append(msg(lang, "c.params_total", n=len(kb.parameters)))
    out.append(msg(lang, "c.total", files=len(set(by_file) | set(params)), rules=len(kb.rules)))
    return "\n".join(out) + "\n"


def _value(value, unit: str | None = None) -> str:
    import json
    shown = (f"{value:,}" if isinstance(value, int) and not isinstance(value, bool)
             else json.dumps(value, ensure_ascii=False, sort_keys=True))
    return shown + (f" {unit}" if unit else "")


def _param_versions(p) -> str:
    """Each version's number, dates and value (a long value is left to `appi-kb rules ID`)."""
    from ..release import param_versions

    def short(value) -> str:
        text = _value(value, p.unit)
        return text if len(text) <= 40 else text[:37] + "…"
    return ", ".join(f"#{ref.rsplit('#', 1)[1]} {pv.valid_from}..{pv.valid_to or ''} = {short(pv.value)}"
                     for ref, pv in param_versions(p))


def render_param(kb: KB, pid: str, lang: str = "ja") -> str:
    """One parameter in full: each version's value, validity and citations, and the rules that
    read it (`appi-kb rules reg7.item4.threshold`)."""
    from ..numbers import param_uses
    from ..release import param_versions
    p = kb.parameters[pid]
    c = colon(lang)
    out = [f"{p.id} — {text_of(p.label, lang)}", f"{msg(lang, 'c.kind')}{c}{msg(lang, 'c.param')}",
           f"{msg(lang, 'c.file')}{c}{p.file}:{p.line}" if p.line else f"{msg(lang, 'c.file')}{c}{p.file}"]
    users = sorted({v.ref for r in kb.rules.values() for v in r.versions
                    if pid in param_uses(v.when, v.then)})
    if users:
        out.append(f"{msg(lang, 'c.used_by')}{c}{', '.join(users)}")
    for ref, pv in param_versions(p):
        end = str(pv.valid_to) if pv.valid_to else msg(lang, "c.open_end")
        out += ["", f"■ {ref}  {msg(lang, 'c.valid')}{c}{pv.valid_from} "
                    f"{msg(lang, 'range_sep').strip() or '-'} {end}" + (f"  ({p.file}:{pv.line})" if pv.line else ""),
                f"{INDENT}{msg(lang, 'c.value')}{c}{_value(pv.value, p.unit)}",
                f"{INDENT}{msg(lang, 'c.citations')}{c}".rstrip()]
        out += _citation_lines(pv.citations, lang)
    return "\n".join(out) + "\n"


def _citation_lines(cites, lang: str) -> list[str]:
    c = colon(lang)
    out = []
    for cit in cites:
        out.append(f"{INDENT * 2}● {cit.key} [{citation_status(cit.data, lang)}]")
        out.append(f"{INDENT * 3}「{cit.data['quote']}」")
        if cit.data.get("url"):
            out.append(f"{INDENT * 3}{cit.data['url']}")
        if cit.data.get("note"):
            out.append(f"{INDENT * 3}{msg(lang, 'c.note')}{c}{text_of(cit.data['note'], lang)}")
    return out


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
    return out + _citation_lines(v.citations, lang)


def _yaml(data: object, depth: int) -> list[str]:
    """A condition or conclusion as the editor wrote it (block YAML, keys in their written order)."""
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False,
                          width=1000)
    return [INDENT * depth + ln for ln in text.rstrip("\n").splitlines()]
