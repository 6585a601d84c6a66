"""The derivation tree of an assessment, for auditors: for each conclusion, the rules that yield it
(id@version, status, file:line), their verbatim citations, the facts they matched, the conclusions
they rested on (recursively) and the exceptions weighed, with what made each exception hold.

A conclusion reached again lower in the tree is not expanded twice ("see above"), so the output
stays finite and readable however the rules share their premises.
"""
from __future__ import annotations

import json
from typing import Any

from .messages import msg, text_of
from .safe import plain
from .view import citation_status, colon, day, status_word
from ..document import expand

INDENT = "  "


def render(assessment: dict, codes: list[str], lang: str = "ja") -> str:
    """Explain `codes` (conclusion codes present in the assessment), in that order."""
    assessment = expand(assessment)
    tree = _Tree(assessment, lang)
    inc = assessment["incident"]
    out = [f"{msg(lang, 'title')} — {inc.get('title') or inc.get('file')}",
           f"{msg(lang, 'as_of')}{colon(lang)}{day(assessment['as_of'], lang)}", ""]
    for code in codes:
        out += tree.conclusion(code, 0)
        out.append("")
    r = assessment["receipt"]       # which knowledge base gave this answer
    out.append(f"{msg(lang, 'r.kb')}{colon(lang)}{r['kb_id']} {r['kb_version']} ({r.get('kb_dir')})")
    return "\n".join(plain(ln) for ln in out).rstrip("\n") + "\n"   # incident text made harmless


class _Tree:
    def __init__(self, a: dict, lang: str) -> None:
        self.lang = lang
        self.concl = {c["code"]: c for c in a["conclusions"]}
        # an exception is also a rule yielding a conclusion of its own: that entry has its facts
        self.rules = {r["id"]: r for c in a["conclusions"] for r in c["rules"]}
        self.seen: set[str] = set()

    def _label(self, key: str, value: str = "") -> str:
        return f"{msg(self.lang, key)}{colon(self.lang)}{value}".rstrip()

    def _status(self, word: str, code: str) -> str:
        """A status word, with the status code beside it for the auditor when the two differ."""
        return word if word.replace(" ", "_") == code else f"{word} ({code})"

    def conclusion(self, code: str, depth: int) -> list[str]:
        pad, inner = INDENT * depth, INDENT * (depth + 1)
        if code not in self.concl:
            return [f"{pad}● {code}"]
        c = self.concl[code]
        head = (f"{pad}● {code} {text_of(c['label'], self.lang)}{colon(self.lang)}"
                + self._status(status_word(c, self.lang), c["status"]))
        if code in self.seen:
            return [f"{head} {msg(self.lang, 'x.seen')}"]
        self.seen.add(code)
        out = [head]
        if c.get("since"):
            out.append(inner + msg(self.lang, "f.since_text", date=c["since"]))
        if c.get("unless"):
            out.append(inner + self._label("f.unless", ", ".join(c["unless"])))
        for key in ("deadline", "window"):           # the arithmetic, step by step
            for spec in [c.get(key)] + list(c.get(key + "_alternatives", [])):
                if spec:
                    out += self.arithmetic(key, spec, depth + 1)
        if c["status"] in ("undetermined", "needs_review"):
            if c["questions"]:
                out.append(inner + self._label("f.ask", ", ".join(q["fact"] for q in c["questions"])))
            if c["reviews"]:
                out.append(inner + self._label("f.review", ", ".join(r["rule"] for r in c["reviews"])))
        if not c["rules"]:
            out.append(inner + msg(self.lang, "x.no_rules"))
        why = {w["rule"]: w for w in c.get("why_not", [])}
        for r in c["rules"]:
            out += self.rule(r, depth + 1)
            if r["id"] in why and "fails" in why[r["id"]]:
                out.append(INDENT * (depth + 2) + self._label("x.fails"))
                out += self.fails(why[r["id"]]["fails"], depth + 3)
        if c["exceptions"]:
            out.append(inner + self._label("x.exceptions"))
            for e in c["exceptions"]:
                out.append(f"{inner}{INDENT}{e['rule']}@{e['version']} {text_of(e['label'], self.lang)}"
                           f"{colon(self.lang)}"
                           + self._status(msg(self.lang, "rule." + e["status"]), e["status"]))
                out += self.citations(e["citations"], depth + 3)
                for d in self.rules.get(e["rule"], {}).get("derivations", []):
                    out += self.derivation(d, depth + 3)
        return out

    def rule(self, r: dict, depth: int) -> list[str]:
        pad = INDENT * depth
        where = f"{r['file']}:{r['line']}" if r.get("line") else r["file"]
        out = [f"{pad}{msg(self.lang, 'x.rule')} {r['id']}@{r['version']} "
               f"{text_of(r['label'], self.lang)}{colon(self.lang)}"
               f"{self._status(msg(self.lang, 'rule.' + r['status']), r['status'])}  {where}"]
        if r.get("defeated_by"):
            out.append(pad + INDENT + self._label("f.excluded_by", ", ".join(r["defeated_by"])))
        if r.get("judgment"):
            out.append(pad + INDENT + self._label("c.judgment",
                                                  text_of(r["judgment"].get("question"), self.lang)))
        out += self.citations(r["citations"], depth + 1)
        out += self.parameters(r.get("parameters", []), depth + 1)
        many = len(r["derivations"]) > 1
        for n, d in enumerate(r["derivations"], 1):
            base = depth + 1
            if many:
                out.append(INDENT * base + f"{msg(self.lang, 'x.path', n=n)}{colon(self.lang)}".rstrip())
                base += 1
            out += self.derivation(d, base)
        return out

    def parameters(self, params: list[dict], depth: int) -> list[str]:
        """Each number a rule or a deadline read: value, parameter version, validity, the tests
        that compare with it, and the clause that sets it."""
        pad, out = INDENT * depth, []
        sep = "〜" if self.lang == "ja" else ".."
        for p in params:
            value = p["value"]
            shown = (f"{value:,}" if isinstance(value, int) and not isinstance(value, bool)
                     else json.dumps(value, ensure_ascii=False, sort_keys=True))
            unit = p.get("unit") or ""
            extra = [f"{p['valid_from']}{sep}{p.get('valid_to') or ''}"]
            tests = [f"{'not ' if t.get('negated') else ''}{t['fact']} {t['test']}"
                     for t in p.get("tests", [])]
            if tests:
                extra.append(f"{msg(self.lang, 'n.read_by')} {', '.join(tests)}")
            out.append(f"{pad}{msg(self.lang, 'n.param')} {p['version']} "
                       f"{text_of(p['label'], self.lang)} = {shown}{' ' + unit if unit else ''}"
                       f" ({'; '.join(extra)})")
            out += self.citations(p.get("citations", []), depth + 1)
        return out

    def arithmetic(self, key: str, d: dict, depth: int) -> list[str]:
        """The deadline (or window) computed by hand: start day and its source, which day is
        day 1, the count, each day skipped and why, the result; then the parameters used."""
        from ..numbers import source_text
        from .view import skipped_reason
        pad, inner = INDENT * depth, INDENT * (depth + 1)
        out = [f"{pad}{msg(self.lang, 'n.' + key, rule=d['rule'])}{colon(self.lang)}".rstrip()]
        if d.get("start") is None:
            facts = ", ".join(q["fact"] for q in d.get("questions", [])) or msg(self.lang, "unknown")
            out.append(inner + msg(self.lang, "n.no_start", facts=facts))
        elif key == "window":
            out.append(inner + msg(self.lang, "n.window_span", from_day=d["from_day"],
                                   to_day=d["to_day"], first=d["from"], last=d["to"],
                                   start=d["start"], source=source_text(d.get("start_source"))))
        for step in d.get("steps", []):
            kind = step["step"]
            if kind == "start":
                out.append(inner + msg(self.lang, "n.start", date=step["date"],
                                       source=source_text(step["source"])))
            elif kind == "day_one":
                out.append(inner + msg(self.lang, "n.day_one", date=step["date"], n=step["start_is_day"]))
            elif kind == "count":
                out.append(inner + msg(self.lang, "n.count", days=step["days"], date=step["date"]))
            elif kind == "skip":
                out.append(inner + msg(self.lang, "n.skip", date=step["date"],
                                       reason=skipped_reason(step["reason"], self.lang)))
            elif kind == "due":
                out.append(inner + msg(self.lang, "n.due", date=step["date"]))
        out += self.parameters(d.get("parameters", []), depth + 1)
        return out

    def derivation(self, d: dict, depth: int) -> list[str]:
        pad = INDENT * depth
        facts = d["facts"]
        out = [pad + self._label("x.facts", "" if facts else msg(self.lang, "none"))]
        out += [f"{pad}{INDENT}{f['fact']} = {self.value(f['value'])}" for f in facts]
        if d.get("dated"):
            out.append(pad + self._label("x.dated", ", ".join(d["dated"])))
        if d["conclusions"]:
            out.append(pad + self._label("x.rests_on"))
            for code in d["conclusions"]:
                out += self.conclusion(code, depth + 1)
        if d.get("absent"):
            out.append(pad + self._label("x.rests_on_absent"))
            for code in d["absent"]:
                out += self.conclusion(code, depth + 1)
        return out

    def fails(self, node: dict, depth: int) -> list[str]:
        """The failing part of a rule's condition: the tests and the values they failed on, and
        each conclusion it needed, explained in turn (so a "no" goes down to the facts)."""
        pad = INDENT * depth
        for key in ("all", "any"):
            if key in node:
                out = [pad + self._label(f"x.fails_{key}")]
                for ch in node[key]:
                    out += self.fails(ch, depth + 1)
                return out
        neg = "" if node["positive"] else "not "
        if "fact" in node:
            return [f"{pad}{neg}{node['fact']} {node['op']} "
                    f"{json.dumps(node['expected'], ensure_ascii=False)} — "
                    f"{msg(self.lang, 'x.actual')} {self.value(node['value'])}"]
        if node["positive"] and node["status"] in ("not_established", "excluded"):
            return self.conclusion(node["conclusion"], depth)
        return [f"{pad}{neg}{node['conclusion']}{colon(self.lang)}{node['status']}"]

    def citations(self, cites: list[dict], depth: int) -> list[str]:
        pad = INDENT * depth
        out = []
        for cit in cites:
            out.append(f"{pad}{msg(self.lang, 'x.quote')} {cit['key']} [{citation_status(cit, self.lang)}]")
            out.append(f"{pad}{INDENT}「{cit['quote']}」")
        return out

    def value(self, value: Any) -> str:
        if value == "unknown":
            return f"? ({msg(self.lang, 'unknown')})"
        return json.dumps(value, ensure_ascii=False)
