"""The one-screen answer: what a responder needs first, in about forty lines.

The decision for each duty with its clause (and the exception that changed it, on the same line),
the dates counted against today ("あと N 日", "過ぎています"), what to do next in order of urgency
with its date, and the few questions and judgments that matter most. Everything here is chosen
from the assessment dict; the full report (`view.build_view(full=True)`) keeps every detail.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any

from .messages import msg, text_of
from .view import (Block, Line, clause, colon, day, fact_value, heading, join, paren,
                   supporting_rules, unique)

TOP_QUESTIONS = 5
TOP_REVIEWS = 3
DECIDING_FACTS = 4


SCREEN = 40          # lines: the one-screen answer's budget


def summary_blocks(a: dict, lang: str, today: _dt.date | None, budget: int | None = None) -> list[Block]:
    """The one-screen blocks; with `budget` (lines they may take), fewer of the open questions
    and judgments are listed when the decisions and steps need the room (the rest are counted,
    one --section away)."""
    concl = {c["code"]: c for c in a["conclusions"]}
    shown = [c for c in a["conclusions"] if c["displayed"]]
    blocks = [Block(msg(lang, "decision"), _decision(a, shown, concl, lang), id="decision")]
    dates = _dates(shown, concl, lang, today)
    if dates:
        blocks.append(Block(msg(lang, "key_dates"), dates, id="dates"))
    steps = _next_steps(a, shown, concl, lang, today)
    if steps:
        blocks.append(Block(msg(lang, "s.next"), steps, id="next"))
    used = sum(block_lines(b) for b in blocks)
    nq, nr = TOP_QUESTIONS, TOP_REVIEWS
    attention = _attention(a, concl, lang, nq, nr)
    while budget is not None and attention and used + 2 + count_lines(attention) > budget and nq + nr > 2:
        if nr > 1:            # judgments give way first: a missing fact decides more
            nr -= 1
        else:
            nq -= 1
        attention = _attention(a, concl, lang, nq, nr)
    if attention:
        blocks.append(Block(msg(lang, "s.attention"), attention, id="attention"))
    return blocks


def count_lines(lines: list[Line]) -> int:
    return sum(1 + count_lines(ln.children) for ln in lines)


def block_lines(block: Block) -> int:
    """Lines a block takes in the text layout: a blank line, its title, its lines."""
    return 2 + count_lines(block.lines)


# ---- the decision ---------------------------------------------------------------------------
def _decision(a: dict, shown: list[dict], concl: dict, lang: str) -> list[Line]:
    lines = []
    said: list[list[str]] = []
    for c in shown:
        if c["headline"]:
            line = decision_line(c, concl, lang, said, a)
            lines.append(line)
    if not lines:
        lines.append(Line("text", msg(lang, "s.no_headline")))
    lines.extend(outside_lines(shown, lang))
    lines.extend(notice_lines(a, lang))
    return lines


def notice_lines(a: dict, lang: str) -> list[Line]:
    """Coming changes that touch this assessment (rules/pending/): one line each."""
    return [Line("entry", text_of(n["text"], lang)) for n in a.get("notices", [])]


def outside_lines(shown: list[dict], lang: str) -> list[Line]:
    """対象外・要確認: the regimes outside the KB that the incident touches, on one line, where to
    look (the reason is in the scope section). Nothing when the incident touches none."""
    flags = [c for c in shown if c.get("scope") and c["status"] == "established"]
    if not flags:
        return []
    names = join((text_of(c["scope"]["title"], lang) for c in flags), lang)
    return [Line("entry", msg(lang, "s.outside") + colon(lang) + names
                 + paren(msg(lang, "s.outside_more"), lang))]


def decision_line(c: dict, concl: dict, lang: str, said: list | None = None,
                  a: dict | None = None) -> Line:
    """A headline duty: its status and clause on one line, then why (grounds, the exception that
    changed it, what would decide it). Grounds already given for an earlier duty (`said`) are not
    repeated."""
    said = [] if said is None else said
    a = a or {"questions": [], "sections": []}
    status = c["status"]
    if status == "excluded":
        applied = applied_exceptions(c)
        text = (f"{text_of(c['label'], lang)}{colon(lang)}{msg(lang, 'status.excluded.headline')}"
                + " — " + join((exception_name(e, lang) for e in applied), lang))
    else:
        text = heading(c, lang) + clauses_suffix(c, lang)
    line = Line("entry", text)
    kids = line.children
    if status == "established":
        grounds = positive_grounds(c, concl)
        if grounds and grounds not in said:
            said.append(grounds)
            kids.append(Line("field", join((text_of(concl[g]["label"], lang) for g in grounds), lang),
                             label=msg(lang, "s.grounds")))
    elif status == "excluded":
        grounds = positive_grounds(c, concl, rule_status="excluded")
        if grounds and grounds not in said:
            said.append(grounds)
            kids.append(Line("field", join((text_of(concl[g]["label"], lang) for g in grounds), lang),
                             label=msg(lang, "s.grounds_but_excluded")))
        for e in applied_exceptions(c):
            facts = exception_facts(e, concl)
            if facts and [facts] not in said:
                said.append([facts])
                kids.append(Line("field", facts_text(facts, lang), label=msg(lang, "s.exception_facts")))
    elif status == "not_established" and c.get("why_not"):
        from .whynot import grounds
        found = grounds(c, concl, lang, said)
        if found and all(repeated for _, repeated in found):     # the same reasons as above
            keys = unique(clause(cit, lang) for w in c["why_not"] for r in c["rules"]
                          if r["id"] == w["rule"] for cit in r["citations"][:1])
            kids.append(Line("item", msg(lang, "why.same_as_above", clauses=join(keys, lang))))
        else:
            kids.extend(line for line, _ in found)
    elif status in ("undetermined", "needs_review"):
        if c["questions"]:
            rank = {q["fact"]: i for i, q in enumerate(ranked_questions(a, concl))}
            qs = sorted(c["questions"], key=lambda q: (rank.get(q["fact"], len(rank)), q["fact"]))
            more = len(qs) - DECIDING_FACTS
            text = join((text_of(q["label"], lang) for q in qs[:DECIDING_FACTS]), lang)
            if more > 0:
                text += msg(lang, "s.and_more", n=more)
            kids.append(Line("field", text, label=msg(lang, "s.deciding_facts")))
        if c.get("unless"):
            kids.append(Line("field", join((exception_name(e, lang) for e in c["exceptions"]
                                            if e["rule"] in c["unless"]), lang),
                             label=msg(lang, "s.unless")))
        if c["reviews"] and status == "needs_review":      # when facts are missing, ask them first
            rvs = sorted(rv["rule"] for rv in c["reviews"])
            if ["review", rvs] not in said:               # the same judgment behind two duties: once
                said.append(["review", rvs])
                kids.append(Line("field", join((text_of(rv["label"], lang) for rv in c["reviews"]), lang),
                                 label=msg(lang, "f.review")))
    return line


def clauses_suffix(c: dict, lang: str) -> str:
    keys = unique(clause(cit, lang) for r in supporting_rules(c) for cit in r["citations"])
    return paren(msg(lang, "f.basis") + colon(lang) + join(keys, lang), lang) if keys else ""


def applied_exceptions(c: dict) -> list[dict]:
    """The exceptions that hold and override a rule behind `c` (those that changed it)."""
    used = {d for r in c["rules"] for d in r["defeated_by"]}
    return [e for e in c["exceptions"] if e["rule"] in used and e["status"] == "holds"]


def exception_name(e: dict, lang: str) -> str:
    """'<clause key>（<label>）': the clause of an exception (its proviso), then what it says."""
    keys = unique(clause(cit, lang) for cit in e["citations"])
    label = text_of(e["label"], lang)
    return f"{keys[0]}{paren(label, lang)}" if keys else label


def exception_facts(e: dict, concl: dict) -> dict[str, Any]:
    """The facts that made an exception hold (it is also a rule yielding a conclusion of its own)."""
    facts: dict[str, Any] = {}
    for c in concl.values():
        for r in c["rules"]:
            if r["id"] == e["rule"]:
                for d in r["derivations"]:
                    for f in d["facts"]:
                        facts.setdefault(f["fact"], f["value"])
    return facts


def facts_text(facts: dict[str, Any], lang: str) -> str:
    from .view import fact_label
    return join((f"{fact_label(n, lang)}{colon(lang)}{fact_value(n, v, lang)}" for n, v in facts.items()),
                lang)


def positive_grounds(c: dict, concl: dict, rule_status: str | None = None) -> list[str]:
    """The findings a headline rests on, past the steps that only pass one finding on.

    The duty to report rests on "a reportable event" alone, which rests on one item or another
    of the regulation, each alone: the grounds are those items. The walk follows a conclusion while every derivation behind it
    rests on that one conclusion; where the derivations rest on one conclusion each but different
    ones (alternatives), those are the grounds; where a derivation rests on more (a finding of
    its own), the conclusion reached is the ground. `rule_status` picks the rules behind `c`
    (default: those behind its status; "excluded" for a duty an exception lifted)."""
    seen = {c["code"]}
    cur = c
    while True:
        if rule_status:
            rules = [r for r in cur["rules"] if r["status"] == rule_status]
            rule_status = None
        else:
            rules = supporting_rules(cur)
        ders = [[k for k in d["conclusions"] if k in concl] for r in rules for d in r["derivations"]]
        if ders and all(len(d) == 1 for d in ders):
            codes = unique(d[0] for d in ders)
            held = [k for k in codes if concl[k]["status"] == "established"]
            if len(codes) == 1 and held and codes[0] not in seen:
                seen.add(codes[0])
                cur = concl[codes[0]]
                continue
            if len(codes) > 1:
                return held
        return [] if cur is c else [cur["code"]]


# ---- the dates ------------------------------------------------------------------------------
def _dates(shown: list[dict], concl: dict, lang: str, today: _dt.date | None) -> list[Line]:
    steps = {c.get("due_with"): c for c in shown if c.get("due_with")}
    lines = []
    for c in shown:
        if not (c.get("deadline") or c.get("window")):
            continue
        label = text_of(c["label"], lang)
        if c["status"] != "established":
            label += paren(msg(lang, f"status.{c['status']}"), lang)
        step = steps.get(c["code"])
        done = bool(step and step.get("done"))
        text = when_text(c, lang, today, done)
        basis = unique(clause(cit, lang) for r in c["rules"]
                       if r["id"] in {d["rule"] for d in [c.get("deadline"), c.get("window")] if d}
                       for cit in r["citations"])
        if basis:
            text += paren(join(basis, lang), lang)
        lines.append(Line("field", text, label=label))
    return lines


def when_text(c: dict, lang: str, today: _dt.date | None, done: bool = False) -> str:
    """'2024-04-03（水）〜2024-04-05（金） — あと1〜3日' for a window, '2024-05-30（木）まで — あと58日'
    for a deadline; the earliest date when the deadline depends on open points."""
    parts = []
    if c.get("window"):
        w = c["window"]
        if w.get("from"):
            text = f"{day(w['from'], lang)}{msg(lang, 'range_sep')}{day(w['to'], lang)}"
            rel = relative_window(w["from"], w["to"], today, lang) if not done else msg(lang, "s.done")
            parts.append(text + (f" — {rel}" if rel else ""))
        else:
            parts.append(msg(lang, "window.unknown"))
    if c.get("deadline"):
        d = c["deadline"]
        if d.get("due"):
            text = msg(lang, "s.by", date=day(d["due"], lang))
            if d.get("skipped"):
                text += paren(msg(lang, "s.rolled", nominal=d["nominal"]), lang)
            rel = relative_deadline(d["due"], today, lang) if not done else msg(lang, "s.done")
            parts.append(text + (f" — {rel}" if rel else ""))
            # the other dates the open facts could give, each once (several grounds can give one day)
            alts = sorted({x["due"] for x in c.get("deadline_alternatives", []) if x.get("due")}
                          - {d["due"]})
            if alts:
                parts[-1] += paren(msg(lang, "s.or_later", dates=join((day(x, lang) for x in alts), lang)),
                                   lang)
        else:
            parts.append(msg(lang, "deadline.unknown"))
    return msg(lang, "list_sep").join(parts)


def relative_deadline(due: str, today: _dt.date | None, lang: str) -> str:
    if today is None:
        return ""
    n = (_dt.date.fromisoformat(due) - today).days
    if n > 0:
        return msg(lang, "s.due_in", n=n)
    if n == 0:
        return msg(lang, "s.due_today")
    return msg(lang, "s.overdue", n=-n)


def relative_window(first: str, last: str, today: _dt.date | None, lang: str) -> str:
    if today is None:
        return ""
    a = (_dt.date.fromisoformat(first) - today).days
    b = (_dt.date.fromisoformat(last) - today).days
    if a > 0:
        return msg(lang, "s.window_ahead", first=a, last=b)
    if b > 0:
        return msg(lang, "s.window_open", n=b)
    if b == 0:
        return msg(lang, "s.window_last_day")
    return msg(lang, "s.window_passed", n=-b)


# ---- what to do next ------------------------------------------------------------------------
def plan_order(c: dict, concl: dict) -> tuple:
    """Urgency order of an action-plan step: what is not done yet first; within it by phase, the
    undated steps of a phase (to do now) before its dated ones, dated ones by date."""
    due = step_due(c, concl)
    return (bool(c.get("done")), phase_no(c), due is not None, due or "", c["order"], c["code"])


def phase_no(c: dict) -> int:
    phase = (c.get("values") or {}).get("phase")
    return phase.get("no", 0) if isinstance(phase, dict) else 0


def step_due(c: dict, concl: dict) -> str | None:
    """The last day of a step dated by another conclusion (a deadline's due day, a window's end)."""
    target = concl.get(c.get("due_with") or "")
    if not target:
        return None
    if (target.get("deadline") or {}).get("due"):
        return target["deadline"]["due"]
    if (target.get("window") or {}).get("to"):
        return target["window"]["to"]
    return None


def is_step(c: dict) -> bool:
    # a dated duty (the 速報 window, the 確報 date) is in the dates block; its action-plan step
    # (measures.*) is the step, so it is not listed twice
    return ("done" in c and c["status"] == "established"
            and not c.get("deadline") and not c.get("window"))


def step_name(c: dict, a: dict, lang: str) -> str:
    """A step's short name: the label of its action in the incident's done-list, else its label."""
    action = (c.get("values") or {}).get("action")
    fact = a.get("actions_done_fact")
    if isinstance(action, str) and fact:
        return fact_value(fact, [action], lang)
    return text_of(c["label"], lang)


def _next_steps(a: dict, shown: list[dict], concl: dict, lang: str,
                today: _dt.date | None) -> list[Line]:
    """Steps not yet taken, most urgent first: each phase's undated steps on one line (the phase
    names when), each dated step on its own line with its last day; then what is done."""
    steps = sorted((c for c in shown if is_step(c)), key=lambda c: plan_order(c, concl))
    todo = [c for c in steps if not c["done"]]
    done = [c for c in steps if c["done"]]
    lines: list[Line] = []
    group: list[dict] = []

    def name(c: dict) -> str:
        target = concl.get(c.get("due_with") or "")
        if target and target["status"] == "needs_review":     # 速やかに: when is a judgment
            return step_name(c, a, lang) + paren(msg(lang, "s.timing_review"), lang)
        return step_name(c, a, lang)

    def flush() -> None:
        if group:
            phase = (group[0].get("values") or {}).get("phase")
            label = text_of(phase, lang) if phase else msg(lang, "s.now")
            lines.append(Line("item", label + colon(lang) + join((name(c) for c in group), lang)))
            group.clear()

    for c in todo:
        due = step_due(c, concl)
        if due is None:
            if group and phase_no(group[0]) != phase_no(c):
                flush()
            group.append(c)
            continue
        flush()
        rel = relative_deadline(due, today, lang)
        lines.append(Line("item", msg(lang, "s.by", date=day(due, lang)) + colon(lang) + name(c)
                          + (f" — {rel}" if rel else "")))
    flush()
    if done:
        lines.append(Line("item", msg(lang, "f.done_yes") + colon(lang)
                          + join((step_name(c, a, lang) for c in done), lang)))
    return lines


# ---- what is open -----------------------------------------------------------------------------
def _rank(a: dict, concl: dict, affects: list[str]) -> tuple:
    """Those bearing on a headline duty first, then on the earliest section (the report before
    the exposure), then on the most conclusions."""
    order = {s["id"]: i for i, s in enumerate(a.get("sections") or [])}
    heads = sum(1 for k in affects if concl.get(k, {}).get("headline"))
    first = min((order.get(concl[k]["section"], len(order)) for k in affects if k in concl),
                default=len(order))
    return (-heads, first, -len(affects))


def ranked_questions(a: dict, concl: dict) -> list[dict]:
    # ties in the order the incident schema lists the facts (what happened before the details)
    from engine.vocabulary import vocabulary
    order = {name: i for i, name in enumerate(vocabulary().facts)}
    return sorted(a["questions"], key=lambda q: _rank(a, concl, q["affects"])
                  + (order.get(q["fact"], len(order)), q["fact"]))


def ranked_reviews(a: dict, concl: dict) -> list[dict]:
    return sorted(a["reviews"], key=lambda rv: _rank(a, concl, rv["affects"]) + (rv["rule"],))


def _attention(a: dict, concl: dict, lang: str, top_questions: int = TOP_QUESTIONS,
               top_reviews: int = TOP_REVIEWS) -> list[Line]:
    lines = []
    qs = ranked_questions(a, concl)
    for q in qs[:top_questions]:
        lines.append(Line("item", text_of(q["question"], lang) + paren(
            msg(lang, "s.write_in", fact=q["fact"]), lang)))
    if len(qs) > top_questions:
        lines.append(Line("text", msg(lang, "s.more_questions", n=len(qs) - top_questions)))
    rvs = ranked_reviews(a, concl)
    for rv in rvs[:top_reviews]:
        keys = unique(clause(cit, lang) for cit in rv["citations"])
        lines.append(Line("item", msg(lang, "s.judgment", what=text_of(rv["label"], lang))
                          + (paren(join(keys[:2], lang), lang) if keys else "")))
    if len(rvs) > top_reviews:
        lines.append(Line("text", msg(lang, "s.more_reviews", n=len(rvs) - top_reviews)))
    return lines
