"""A negative decision with its reasons: each ground checked, and why it fails (from `why_not`).

"No duty to report" is shown with every rule that could have made it hold, each with what failed:

    - <the Act's clause> (Report to the PPC): A reportable event: does not apply
      - <item 1> (special-care data): does not apply — data items: name, address
      - <item 4> (more than 1,000 people): does not apply — number of people: 300 (required:
        more than 1,000)
    - <the public-body clause>: does not apply — kind of business: private (required: public body)

A rule that fails on one conclusion alone is followed down to that conclusion; where the chain
reaches a choice of conclusions ("any of the items"), each becomes a ground of its own; below that,
the reasons are the facts the failing conditions read, with their values (the facts every
alternative failed on, when they share some; otherwise all of them). Rule versions are named when
the version in force has an end date: the date decided which text applied.
"""
from __future__ import annotations

from typing import Any

from .messages import msg, text_of
from .view import Line, clause, colon, day, fact_label, fact_value, join, paren, unique

MAX_DEPTH = 8
MAX_CONDITION_VALUES = 3


def ground_lines(c: dict, concl: dict, lang: str, said: list | None = None) -> list[Line]:
    """One line per rule that could have yielded `c`, with sub-grounds where the law lists them.
    A ground already given for an earlier decision (`said`) is referred to, not repeated."""
    return [line for line, _ in grounds(c, concl, lang, said)]


def grounds(c: dict, concl: dict, lang: str, said: list | None = None) -> list[tuple[Line, bool]]:
    """(line, repeated) per rule: `repeated` when the same reasons were given before (`said`)."""
    said = [] if said is None else said
    rules = {r["id"]: r for r in c["rules"]}
    out: list[tuple[Line, bool]] = []
    for entry in c.get("why_not", []):
        rule = rules.get(entry["rule"], {})
        title = _rule_title(rule, entry, lang)
        if entry.get("excluded_by"):
            names = join((_exception_name(e, lang) for e in c["exceptions"]
                          if e["rule"] in entry["excluded_by"]), lang)
            out.append((Line("item", title + colon(lang) + msg(lang, "why.excluded", by=names)), False))
            continue
        node, via = _walk(entry["fails"], concl)
        head = title
        if via is not None:
            head += colon(lang) + text_of(via["label"], lang) + colon(lang) + _not_word(via, lang)
        subs = [ch["conclusion"] for ch in node.get("any", [])
                if "conclusion" in ch and ch["positive"] and ch["conclusion"] in concl]
        if via is not None and subs and len(subs) == len(node["any"]):
            key = ("subs", tuple(subs))
            if key in said:
                out.append((Line("item", head + msg(lang, "why.as_above")), True))
                continue
            said.append(key)
            out.append((Line("item", head, children=_sub_grounds(subs, concl, lang)), False))
            continue
        reasons = reasons_text(_reasons(node, concl, 0), concl, lang)
        if via is None:
            head += colon(lang) + msg(lang, "why.not_met")
        key = ("reasons", reasons)
        if reasons and key in said:
            out.append((Line("item", head + msg(lang, "why.as_above")), True))
            continue
        said.append(key)
        out.append((Line("item", head + (f" — {reasons}" if reasons else "")), False))
    return out


def _sub_grounds(subs: list[str], concl: dict, lang: str) -> list[Line]:
    """One line per alternative; alternatives failing for the same reasons share a line."""
    groups: dict[tuple, list[str]] = {}
    for code in subs:
        d = concl[code]
        reasons = reasons_text(_code_reasons(code, concl, 0), concl, lang)
        note = _version_note(d, lang)
        key = (reasons, _not_word(d, lang)) if not note else (code,)
        groups.setdefault(key, []).append(code)
    lines = []
    for codes in groups.values():
        d = concl[codes[0]]
        reasons = reasons_text(_code_reasons(codes[0], concl, 0), concl, lang)
        names = join((text_of(concl[k]["label"], lang) for k in codes), lang)
        lines.append(Line("item", names + _version_note(d, lang) + colon(lang) + _not_word(d, lang)
                          + (f" — {reasons}" if reasons else "")))
    return lines


def _walk(node: dict, concl: dict) -> tuple[dict, dict | None]:
    """Follow a failure that is one conclusion alone, down to where it divides."""
    via = None
    seen: set[str] = set()
    while ("conclusion" in node and node["positive"] and node["conclusion"] in concl
           and node["conclusion"] not in seen):
        d = concl[node["conclusion"]]
        entries = d.get("why_not", [])
        if len(entries) != 1 or "fails" not in entries[0]:
            break
        seen.add(d["code"])
        via = d
        node = entries[0]["fails"]
    return node, via


def _rule_title(rule: dict, entry: dict, lang: str) -> str:
    keys = unique(clause(cit, lang) for cit in rule.get("citations", []))
    label = text_of(rule.get("label"), lang) if rule else entry["rule"]
    title = f"{keys[0]}{paren(label, lang)}" if keys else label
    return title + _entry_version_note(entry, lang)


def _entry_version_note(entry: dict, lang: str) -> str:
    """'［2022-04-01〜2024-03-31 の版。2024-04-01 から改正後の版］' when an end date decided it."""
    if not entry.get("valid_to"):
        return ""
    later = sorted(o["valid_from"] for o in entry.get("other_versions", [])
                   if o["valid_from"] > entry["valid_to"])
    text = msg(lang, "why.version", start=entry["valid_from"], end=entry["valid_to"])
    if later:
        text += msg(lang, "why.version_next", start=later[0])
    return f"［{text}］" if lang == "ja" else f" [{text}]"


def _version_note(d: dict, lang: str) -> str:
    entries = d.get("why_not", [])
    return _entry_version_note(entries[0], lang) if len(entries) == 1 else ""


def _not_word(d: dict, lang: str) -> str:
    return msg(lang, "status.excluded" if d["status"] == "excluded" else "status.not_established")


def _exception_name(e: dict, lang: str) -> str:
    keys = unique(clause(cit, lang) for cit in e["citations"])
    label = text_of(e["label"], lang)
    return f"{keys[0]}{paren(label, lang)}" if keys else label


# ---- reasons: the facts (and, at the bottom, conclusions) a failure comes down to ------------
Atom = dict


def _reasons(node: dict, concl: dict, depth: int) -> list[Atom]:
    if "all" in node:
        return _union(_reasons(ch, concl, depth) for ch in node["all"])
    if "any" in node:
        return _combine([_reasons(ch, concl, depth) for ch in node["any"]])
    if "fact" in node:
        return [dict(node, key=("fact", node["fact"]))]
    code = node["conclusion"]
    if not node["positive"]:
        return [{"key": ("holds", code), "holds": code}]
    return _code_reasons(code, concl, depth + 1)


def _code_reasons(code: str, concl: dict, depth: int) -> list[Atom]:
    d = concl.get(code)
    entries = (d or {}).get("why_not")
    if d is None or not entries or depth > MAX_DEPTH:
        return [{"key": ("concl", code), "concl": code}]
    alts = []
    for e in entries:
        if e.get("excluded_by"):
            alts.append([{"key": ("excluded", code), "excluded": code, "by": e["excluded_by"]}])
        else:
            alts.append(_reasons(e["fails"], concl, depth))
    return _combine(alts)


def _union(groups) -> list[Atom]:
    out: dict[tuple, Atom] = {}
    for group in groups:
        for atom in group:
            out.setdefault(atom["key"], atom)
    return list(out.values())


def _combine(alts: list[list[Atom]]) -> list[Atom]:
    """Alternatives that all failed: the reasons they share, else all of them. A fact shared by
    alternatives that tested it against different values is shown without the condition."""
    if len(alts) == 1:
        return alts[0]
    keys = [{a["key"] for a in alt} for alt in alts]
    common = set.intersection(*keys) if keys else set()
    chosen = common or set.union(*keys)
    out: dict[tuple, Atom] = {}
    for alt in alts:
        for atom in alt:
            if atom["key"] not in chosen:
                continue
            if atom["key"] in out and _condition(out[atom["key"]]) != _condition(atom):
                out[atom["key"]] = dict(out[atom["key"]], op=None)
            out.setdefault(atom["key"], atom)
    return list(out.values())


def _condition(atom: Atom) -> tuple:
    return (atom.get("op"), repr(atom.get("expected")), atom.get("positive"))


def reasons_text(atoms: list[Atom], concl: dict, lang: str) -> str:
    return join((atom_text(a, concl, lang) for a in atoms), lang) if atoms else ""


def atom_text(atom: Atom, concl: dict, lang: str) -> str:
    if "fact" in atom:
        name = atom["fact"]
        text = f"{fact_label(name, lang)}{colon(lang)}{_value(name, atom['value'], lang)}"
        cond = condition_text(atom, lang)
        return text + (paren(msg(lang, "why.condition", cond=cond), lang) if cond else "")
    code = atom.get("concl") or atom.get("holds") or atom.get("excluded")
    label = text_of(concl[code]["label"], lang) if code in concl else code
    if "holds" in atom:
        return msg(lang, "why.holds", label=label)
    if "excluded" in atom:
        return label + colon(lang) + msg(lang, "status.excluded")
    return label + colon(lang) + msg(lang, "status.not_established")


def _value(name: str, value: Any, lang: str) -> str:
    if value == [] or value is None:
        return msg(lang, "none")
    return fact_value(name, value, lang)


def condition_text(atom: Atom, lang: str) -> str:
    """What the rule required, in words ('1,000を超える'), or '' when a list is too long to help."""
    op, x, name = atom.get("op"), atom.get("expected"), atom["fact"]
    if op is None:
        return ""
    if op == "is_known":
        cond = msg(lang, "cond.is_known")
    elif isinstance(x, list):
        if len(x) > MAX_CONDITION_VALUES:
            return ""
        words = fact_value(name, x, lang) if x else msg(lang, "none")
        cond = msg(lang, f"cond.{op}", x=words)
    elif op in ("on_or_after", "before") and isinstance(x, str):
        cond = msg(lang, f"cond.{op}", x=day(x, lang))
    else:
        cond = msg(lang, f"cond.{op}", x=fact_value(name, x, lang))
    return cond if atom.get("positive", True) else msg(lang, "cond.not", cond=cond)
