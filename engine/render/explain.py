"""The derivation tree of an assessment, for auditors: for each conclusion, the rules that yield it
(id@version, status, file:line), their verbatim citations, the facts they matched, the conclusions
they rested on (recursively) and the exceptions weighed.

A conclusion reached again lower in the tree is not expanded twice ("see above"), so the output
stays finite and readable however the rules share their premises.
"""
from __future__ import annotations

import json
from typing import Any

from .messages import msg, text_of
from .view import citation_status, colon, day, status_word

INDENT = "  "


def render(assessment: dict, codes: list[str], lang: str = "ja") -> str:
    """Explain `codes` (conclusion codes present in the assessment), in that order."""
    concl = {c["code"]: c for c in assessment["conclusions"]}
    inc = assessment["incident"]
    out = [f"{msg(lang, 'title')} — {inc.get('title') or inc.get('file')}",
           f"{msg(lang, 'as_of')}{colon(lang)}{day(assessment['as_of'], lang)}", ""]
    seen: set[str] = set()
    for code in codes:
        out += _conclusion(concl[code], concl, seen, 0, lang)
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _conclusion(c: dict, concl: dict, seen: set[str], depth: int, lang: str) -> list[str]:
    pad = INDENT * depth
    head = (f"{pad}● {c['code']} {text_of(c['label'], lang)}{colon(lang)}"
            f"{status_word(c, lang)} ({c['status']})")
    if c["code"] in seen:
        return [f"{head} {msg(lang, 'x.seen')}"]
    seen.add(c["code"])
    out = [head]
    inner = INDENT * (depth + 1)
    if c.get("since"):
        out.append(f"{inner}{msg(lang, 'f.since_text', date=c['since'])}")
    if c.get("unless"):
        out.append(f"{inner}{msg(lang, 'f.unless')}{colon(lang)}{', '.join(c['unless'])}")
    if c["status"] in ("undetermined", "needs_review"):
        if c["questions"]:
            out.append(f"{inner}{msg(lang, 'f.ask')}{colon(lang)}"
                       + ", ".join(q["fact"] for q in c["questions"]))
        if c["reviews"]:
            out.append(f"{inner}{msg(lang, 'f.review')}{colon(lang)}"
                       + ", ".join(rv["rule"] for rv in c["reviews"]))
    if not c["rules"]:
        out.append(f"{inner}{msg(lang, 'x.no_rules')}")
    for r in c["rules"]:
        out += _rule(r, concl, seen, depth + 1, lang)
    if c["exceptions"]:
        out.append(f"{inner}{msg(lang, 'x.exceptions')}{colon(lang)}".rstrip())
        for e in c["exceptions"]:
            out.append(f"{inner}{INDENT}{e['rule']}@{e['version']} {text_of(e['label'], lang)}"
                       f"{colon(lang)}{msg(lang, 'rule.' + e['status'])} ({e['status']})")
            out += _citations(e["citations"], depth + 3, lang)
    return out


def _rule(r: dict, concl: dict, seen: set[str], depth: int, lang: str) -> list[str]:
    pad = INDENT * depth
    where = f"{r['file']}:{r['line']}" if r.get("line") else r["file"]
    out = [f"{pad}{msg(lang, 'x.rule')} {r['id']}@{r['version']} {text_of(r['label'], lang)}"
           f"{colon(lang)}{msg(lang, 'rule.' + r['status'])} ({r['status']})  {where}"]
    if r.get("defeated_by"):
        out.append(f"{pad}{INDENT}{msg(lang, 'f.excluded_by')}{colon(lang)}{', '.join(r['defeated_by'])}")
    if r.get("judgment"):
        out.append(f"{pad}{INDENT}{msg(lang, 'c.judgment')}{colon(lang)}"
                   f"{text_of(r['judgment'].get('question'), lang)}")
    out += _citations(r["citations"], depth + 1, lang)
    many = len(r["derivations"]) > 1
    for n, d in enumerate(r["derivations"], 1):
        base = depth + 1
        if many:
            out.append(f"{INDENT * base}{msg(lang, 'x.path', n=n)}{colon(lang)}".rstrip())
            base += 1
        out += _derivation(d, concl, seen, base, lang)
    return out


def _derivation(d: dict, concl: dict, seen: set[str], depth: int, lang: str) -> list[str]:
    pad = INDENT * depth
    out = []
    facts = d["facts"]
    out.append(f"{pad}{msg(lang, 'x.facts')}{colon(lang)}{'' if facts else msg(lang, 'none')}".rstrip())
    for f in facts:
        out.append(f"{pad}{INDENT}{f['fact']} = {_value(f['value'], lang)}")
    if d.get("dated"):
        out.append(f"{pad}{msg(lang, 'x.dated')}{colon(lang)}{', '.join(d['dated'])}")
    if d["conclusions"]:
        out.append(f"{pad}{msg(lang, 'x.rests_on')}{colon(lang)}".rstrip())
        for code in d["conclusions"]:
            if code in concl:
                out += _conclusion(concl[code], concl, seen, depth + 1, lang)
            else:
                out.append(f"{pad}{INDENT}● {code}")
    return out


def _citations(cites: list[dict], depth: int, lang: str) -> list[str]:
    pad = INDENT * depth
    out = []
    for cit in cites:
        out.append(f"{pad}{msg(lang, 'x.quote')} {cit['key']} [{citation_status(cit, lang)}]")
        out.append(f"{pad}{INDENT}「{cit['quote']}」")
    return out


def _value(value: Any, lang: str) -> str:
    if value == "unknown":
        return f"? ({msg(lang, 'unknown')})"
    return json.dumps(value, ensure_ascii=False)
