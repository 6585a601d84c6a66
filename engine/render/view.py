"""The responder's view of an assessment: what to show, in which order, in one language.

`build_view` decides the content; `text.py` and `markdown.py` only lay it out, so the two formats
always say the same thing. Everything shown comes from the assessment dict (and the fact words of
the incident schema); nothing here knows any provision of the law.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..document import expand
from ..vocabulary import vocabulary
from .messages import MESSAGES, msg, text_of

HOLDS_FOR = {"established": ("holds",), "undetermined": ("open",), "needs_review": ("open",)}


@dataclass
class Line:
    """One line of the view. `kind`: entry (a heading-like item), field (label: text), item
    (a bullet), quote (verbatim source text; `label` is its status), link (a URL), text (plain)."""
    kind: str
    text: str = ""
    label: str = ""
    children: list["Line"] = field(default_factory=list)


@dataclass
class Block:
    title: str
    lines: list[Line]
    id: str = ""          # the name `--section` selects it by


@dataclass
class View:
    title: str
    header: list[tuple[str, str]]
    blocks: list[Block]


# ---- small formatting helpers (shared with explain) ------------------------------------------
def colon(lang: str) -> str:
    return "：" if lang == "ja" else ": "


def paren(text: str, lang: str) -> str:
    """' (text)' in English, '（text）' in Japanese."""
    return f"（{text}）" if lang == "ja" else f" ({text})"


def status_word(c: dict, lang: str) -> str:
    key = f"status.{c['status']}"
    if c.get("headline") and c["status"] in ("established", "not_established"):
        key += ".headline"
    return msg(lang, key)


def heading(c: dict, lang: str) -> str:
    """'label：status', or the conclusion's own negative wording when it does not hold."""
    if c["status"] == "not_established" and c.get("negative_label"):
        return text_of(c["negative_label"], lang)
    return f"{text_of(c['label'], lang)}{colon(lang)}{status_word(c, lang)}"


def day(iso: str | None, lang: str) -> str:
    """An ISO date with its weekday, so a manager sees at once that a deadline is a Monday."""
    if not iso:
        return msg(lang, "unknown")
    weekday = msg(lang, "weekdays").split(",")[_dt.date.fromisoformat(iso).weekday()]
    return f"{iso}（{weekday}）" if lang == "ja" else f"{iso} ({weekday})"


def join(parts: Iterable[str], lang: str) -> str:
    parts = [p for p in parts if p]
    return msg(lang, "list_sep").join(parts) if parts else msg(lang, "none")


def fact_label(name: str, lang: str) -> str:
    base = name[:-len("(possible)")] if name.endswith("(possible)") else name
    fdef = vocabulary().get(base)
    label = text_of(fdef.label, lang) if fdef else base
    return label + (msg(lang, "possible") if base != name else "")


def fact_value(name: str, value: Any, lang: str) -> str:
    """A fact's value in words: enum and set values by their labels, unknown as 不明."""
    if value == "unknown" or value is None:
        return msg(lang, "unknown")
    fdef = vocabulary().get(name)
    if isinstance(value, list):
        if value and all(isinstance(v, dict) and "date" in v for v in value):   # dated series
            return join((f"{p['value']}（{p['date']}）" if p.get("date") else str(p["value"])
                         for p in value), lang)
        return join((_one_value(fdef, v, lang) for v in value), lang)
    return _one_value(fdef, value, lang)


def _one_value(fdef, value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return msg(lang, "yes" if value else "no")
    if isinstance(value, int):
        return f"{value:,}"
    if fdef is not None and isinstance(value, str) and value in fdef.value_labels:
        return fdef.value_label(value, lang)
    return str(value)


def citation_status(cit: dict, lang: str) -> str:
    status = cit.get("status", "unverified")
    return msg(lang, f"cite.{status}", date=cit.get("verified_on", "?"))


def skipped_reason(reason: str, lang: str) -> str:
    """The calendar's reason for skipping a day ('saturday', 'national_holiday:NAME', 'closed:A..B')."""
    kind, _, rest = reason.partition(":")
    if kind == "national_holiday":
        return msg(lang, "day.national_holiday", name=rest)
    if kind == "closed" and ".." in rest:
        start, end = rest.split("..", 1)
        return msg(lang, "day.closed", start=start, end=end)
    key = f"day.{kind}"
    return msg(lang, key) if key in MESSAGES[lang] else reason


def deadline_text(d: dict, lang: str) -> str:
    if not d.get("due"):
        text = msg(lang, "deadline.unknown")
        return _with_needs(text, d, lang)
    text = msg(lang, "deadline.due", due=day(d["due"], lang), start=d["start"], days=d["days"])
    skipped = d.get("skipped") or []
    if skipped:
        reasons = join((f"{s['date']} {skipped_reason(s['reason'], lang)}" for s in skipped), lang)
        sep = "。" if lang == "ja" else "; "
        text += sep + msg(lang, "deadline.rolled", nominal=d.get("nominal", "?"),
                          reasons=reasons, due=d["due"])
    return text


def window_text(w: dict, lang: str) -> str:
    if not w.get("from"):
        return _with_needs(msg(lang, "window.unknown"), w, lang)
    return msg(lang, "window.span", first=day(w["from"], lang), last=day(w["to"], lang),
               sep=msg(lang, "range_sep"), start=w["start"], from_day=w["from_day"],
               to_day=w["to_day"])


def _with_needs(text: str, spec: dict, lang: str) -> str:
    qs = spec.get("questions") or []
    if not qs:
        return text
    sep = " — " if lang == "en" else "　"
    return text + sep + msg(lang, "needs", facts=join((text_of(q["label"], lang) for q in qs), lang))


def value_lines(values: dict, lang: str, labels: dict | None = None,
                action_fact: str | None = None) -> list[Line]:
    """Values shown with a conclusion, under the labels the KB gives their keys (kb.yaml
    value_labels): labelled lists become bullets (numbered by `no`)."""
    lines = []
    for key in sorted(values):
        v = values[key]
        label = text_of(labels[key], lang) if labels and key in labels else key
        if key == "action" and action_fact and isinstance(v, str):   # an id of the done-list fact
            lines.append(Line("field", fact_value(action_fact, [v], lang), label=label))
            continue
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            items = []
            for x in v:
                prefix = f"{x['no']}. " if "no" in x else ""
                items.append(Line("item", prefix + text_of(x, lang)))
            lines.append(Line("field", label=label, children=items))
        elif isinstance(v, dict):
            lines.append(Line("field", text_of(v, lang), label=label))
        elif isinstance(v, list):
            lines.append(Line("field", join((_scalar(x, lang) for x in v), lang), label=label))
        else:
            lines.append(Line("field", _scalar(v, lang), label=label))
    return lines


def _scalar(v: Any, lang: str) -> str:
    if isinstance(v, bool):
        return msg(lang, "yes" if v else "no")
    if v == "unknown":
        return msg(lang, "unknown")
    if isinstance(v, int):
        return f"{v:,}"          # 35,000,000 people, 3,300 yen
    return str(v)


def supporting_rules(c: dict) -> list[dict]:
    """The rules behind a conclusion's status: those that hold, or (when open) those that are open."""
    wanted = HOLDS_FOR.get(c["status"], ())
    return [r for r in c["rules"] if r["status"] in wanted]


def clause(cit: dict, lang: str) -> str:
    """A citation's clause name in the output language (the Japanese key, or its English form)."""
    return cit.get("key_en", cit["key"]) if lang == "en" else cit["key"]


def unique(items: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(items))


# ---- the view --------------------------------------------------------------------------------
DETAIL_BLOCKS = ("notices", "exceptions", "questions", "reviews", "sources", "receipt")
SUMMARY_BLOCKS = ("decision", "dates", "next", "attention")


def block_names(a: dict, sections: list[dict] | None = None) -> list[str]:
    """Every name `--section` accepts for this assessment, in display order."""
    return list(SUMMARY_BLOCKS) + [sid for sid, _ in _sections(a, sections, "ja")] + list(DETAIL_BLOCKS)


def build_view(a: dict, lang: str, sections: list[dict] | None = None, *, full: bool = True,
               only: list[str] | None = None, today: _dt.date | None = None) -> View:
    """`sections`: [{id, title: {ja, en}}] in display order (from the KB manifest).

    The one-screen answer (summary.py) always comes first. `full` adds every section, the
    exceptions, all open points, the judgments, the sources and the receipt; `only` keeps the
    blocks named (block ids: SUMMARY_BLOCKS, the KB's section ids, DETAIL_BLOCKS); `today` is the
    day "due in N days" counts from (None: absolute dates only)."""
    from .summary import SCREEN, plan_order, summary_blocks
    a = expand(a)                   # each rule entry with its label and citations
    concl = {c["code"]: c for c in a["conclusions"]}
    shown = [c for c in a["conclusions"] if c["displayed"]]
    header = _header(a, lang, today)
    # title, rule, header lines, and (for the one-screen answer alone) the 3-line footer
    budget = SCREEN - 2 - len(header) - (0 if full or only else 3)
    blocks = summary_blocks(a, lang, today, budget)
    if full or only:
        for sec_id, title in _sections(a, sections, lang):
            members = [c for c in shown if c["section"] == sec_id]
            if any("done" in c for c in members):      # an action plan: in order of urgency
                members = _plan(members, concl, plan_order)
            if members:
                blocks.append(Block(title, [_conclusion(c, concl, lang, a, today) for c in members],
                                    id=sec_id))
        if a.get("notices") or (only and "notices" in only):
            blocks.append(Block(msg(lang, "notices"), _notices(a, lang) or _none(lang), id="notices"))
        blocks.append(Block(msg(lang, "exceptions_applied"), _exceptions(a, lang) or _none(lang),
                            id="exceptions"))
        blocks.append(Block(msg(lang, "open_points"), _open_points(a, concl, lang) or _none(lang),
                            id="questions"))
        blocks.append(Block(msg(lang, "reviews"), _reviews(a, concl, lang) or _none(lang), id="reviews"))
        detailed = bool(only and "sources" in only)
        blocks.append(Block(msg(lang, "sources"), _sources(a, lang, detailed) or _none(lang), id="sources"))
        blocks.append(Block(msg(lang, "receipt"), _receipt(a, lang), id="receipt"))
    if only:
        blocks = [b for b in blocks if b.id in only]
        blocks.sort(key=lambda b: only.index(b.id))
    elif not full:
        blocks.append(Block(msg(lang, "s.more"), [Line("text", msg(lang, "s.more_text",
                                                                   names=", ".join(block_names(a, sections))))],
                            id="more"))
    return View(msg(lang, "title"), header, blocks)


def _plan(members: list[dict], concl: dict, plan_order) -> list[dict]:
    """An action plan: what frames it first (the phases, the measures), then the steps in order of
    urgency, each followed by the notes that rest on it (who counts as 'a responsible person'
    after the step of reporting to one)."""
    steps = sorted((c for c in members if "done" in c), key=lambda c: plan_order(c, concl))
    codes = {c["code"] for c in steps}
    notes: dict[str, list[dict]] = {}
    frame = []
    for c in members:
        if "done" in c:
            continue
        parent = next((k for r in supporting_rules(c) for d in r["derivations"]
                       for k in d["conclusions"] if k in codes), None)
        if parent:
            notes.setdefault(parent, []).append(c)
        else:
            frame.append(c)
    out = frame
    for c in steps:
        out += [c] + notes.get(c["code"], [])
    return out


def _notices(a: dict, lang: str) -> list[Line]:
    """Coming changes (rules/pending/): what each would change here, when, and how far its
    sources are verified."""
    out = []
    for n in a.get("notices", []):
        line = Line("entry", text_of(n["title"], lang))
        line.children.append(Line("field", day(n["promulgated"], lang), label=msg(lang, "n.promulgated")))
        line.children.append(Line("field", text_of(n["in_force"]["rule"], lang) + paren(
            msg(lang, "n.latest", date=day(n["in_force"]["latest"], lang)), lang), label=msg(lang, "n.in_force")))
        for ch in n["changes"]:
            line.children.append(Line("field", text_of(ch["what"], lang), label=msg(lang, "n.change")))
        if n.get("in_force_passed"):
            line.children.append(Line("item", msg(lang, "n.in_force_passed")))
        if not n["verified"]:
            line.children.append(Line("item", msg(lang, "n.unverified")))
        out.append(line)
    return out


def _none(lang: str) -> list[Line]:
    return [Line("text", msg(lang, "none"))]


def _header(a: dict, lang: str, today: _dt.date | None = None) -> list[tuple[str, str]]:
    inc = a["incident"]
    name = inc.get("title") or inc.get("file")
    if inc.get("id"):
        name += paren(inc["id"], lang)
    out = [(msg(lang, "incident"), name)]
    business = a["facts"].get("business.name")
    if isinstance(business, str):
        out.append((msg(lang, "business"), business))
    out.append((msg(lang, "as_of"), f"{day(a['as_of'], lang)} — {_as_of_source(a, lang, False)}"))
    if today is not None:
        out.append((msg(lang, "today"), day(today.isoformat(), lang)))
    r = a["receipt"]             # which knowledge base answered (--rules DIR may choose another)
    out.append((msg(lang, "r.kb"), f"{r['kb_id']} {r['kb_version']}"
                + (f" ({r['kb_dir']})" if r.get("kb_dir") else "")))
    return out


def _as_of_source(a: dict, lang: str, with_fact: bool = True) -> str:
    """Where the assessment date came from: --as-of, or the incident date it was taken from."""
    source = a["receipt"]["as_of_source"]
    if source == "--as-of":
        return msg(lang, "as_of_flag")
    if not with_fact:
        return msg(lang, "as_of_from_short", label=fact_label(source, lang))
    return msg(lang, "as_of_from", label=fact_label(source, lang), fact=source)


def _sections(a: dict, sections: list[dict] | None, lang: str) -> list[tuple[str, str]]:
    sections = sections or a.get("sections")        # the assessment carries the KB's sections
    if sections:
        out = [(s["id"], text_of(s["title"], lang)) for s in sections]
    else:
        out = []
    known = {sid for sid, _ in out}
    for c in a["conclusions"]:            # a section the caller did not name still shows
        if c["section"] not in known:
            known.add(c["section"])
            out.append((c["section"], c["section"]))
    return out


def _conclusion(c: dict, concl: dict, lang: str, a: dict, today: _dt.date | None) -> Line:
    from .summary import applied_exceptions, exception_name, relative_deadline, step_due
    step = "done" in c and c["status"] == "established"
    if step:        # an action-plan step reads as a task: a box, ticked when the incident says done
        line = Line("entry", msg(lang, "plan.done" if c["done"] else "plan.todo",
                                 step=text_of(c["label"], lang)))
    elif c["status"] == "excluded":
        word = (text_of(c["label"], lang) + colon(lang) + msg(lang, "status.excluded.headline")
                if c["headline"] else heading(c, lang))
        line = Line("entry", word + " — " + join((exception_name(e, lang) for e in applied_exceptions(c)),
                                                  lang))
    else:
        line = Line("entry", heading(c, lang))
    kids = line.children
    support = supporting_rules(c)
    if step and not c["done"]:
        due = step_due(c, concl)
        target = concl.get(c.get("due_with") or "")
        if due:
            rel = relative_deadline(due, today, lang)
            kids.append(Line("field", day(due, lang) + (f" — {rel}" if rel else ""),
                             label=msg(lang, "f.due")))
        elif target and target["status"] == "needs_review":      # 'promptly': a judgment
            kids.append(Line("field", text_of(target["label"], lang)
                             + paren(msg(lang, "s.timing_review"), lang), label=msg(lang, "f.due")))
    if c.get("since"):
        kids.append(Line("field", msg(lang, "f.since_text", date=day(c["since"], lang)),
                         label=msg(lang, "f.since")))
    if c.get("values"):
        values = dict(c["values"])
        if step:
            values.pop("action", None)      # the box line already names the step
        kids.extend(value_lines(values, lang, a.get("value_labels"), a.get("actions_done_fact")))
    if c.get("guidance"):
        kids.append(Line("field", text_of(c["guidance"], lang), label=msg(lang, "f.guidance")))
    if c.get("scope"):          # 対象外・要確認: the regime, why the KB does not decide it, where to look
        sc = c["scope"]
        kids.append(Line("field", text_of(sc["title"], lang), label=msg(lang, "f.scope_regime")))
        kids.append(Line("field", text_of(sc["reason"], lang), label=msg(lang, "f.scope_reason")))
        kids.append(Line("field", text_of(sc["where"], lang) + (f" {sc['url']}" if sc.get("url") else ""),
                         label=msg(lang, "s.outside_where")))
    if c.get("deadline"):
        kids.append(Line("field", deadline_text(c["deadline"], lang), label=msg(lang, "f.deadline")))
    for alt in c.get("deadline_alternatives", []):
        kids.append(Line("field", deadline_text(alt, lang), label=msg(lang, "f.deadline_alt")))
    if c.get("window"):
        kids.append(Line("field", window_text(c["window"], lang), label=msg(lang, "f.window")))
    facts: dict[str, Any] = {}
    rests: list[str] = []
    absent: list[str] = []
    for r in support:
        for d in r["derivations"]:
            for f in d["facts"]:
                facts.setdefault(f["fact"], f["value"])
            rests.extend(d["conclusions"])
            absent.extend(d.get("absent", []))
    if facts:
        kids.append(Line("field", label=msg(lang, "f.facts"), children=[
            Line("item", f"{fact_label(n, lang)}{colon(lang)}{fact_value(n, v, lang)}")
            for n, v in facts.items()]))
    if rests and not step:      # a step's premise is the incident itself: said once, above
        kids.append(Line("field", join((text_of(concl[r]["label"], lang) if r in concl else r
                                        for r in unique(rests)), lang),
                         label=msg(lang, "f.rests_on")))
    if absent:
        kids.append(Line("field", join((text_of(concl[r]["label"], lang) if r in concl else r
                                        for r in unique(absent)), lang),
                         label=msg(lang, "f.rests_on_absent")))
    if c.get("unless"):
        kids.append(Line("field", join((exception_name(e, lang) for e in c["exceptions"]
                                        if e["rule"] in c["unless"]), lang),
                         label=msg(lang, "f.unless")))
    if c.get("why_not") and c["headline"]:
        from .whynot import ground_lines
        kids.append(Line("field", label=msg(lang, "why.grounds"), children=ground_lines(c, concl, lang)))
    if c["status"] in ("undetermined", "needs_review"):
        if c["questions"]:
            kids.append(Line("field", join((text_of(q["label"], lang) for q in c["questions"]), lang),
                             label=msg(lang, "f.ask")))
        if c["reviews"]:
            kids.append(Line("field", join((text_of(rv["label"], lang) for rv in c["reviews"]), lang),
                             label=msg(lang, "f.review")))
    keys = unique(clause(cit, lang) for r in support for cit in r["citations"])
    if c["status"] == "excluded":
        keys = unique(clause(cit, lang) for e in applied_exceptions(c) for cit in e["citations"])
    if keys:
        kids.append(Line("field", join(keys, lang), label=msg(lang, "f.clauses")))
    return line


def _exceptions(a: dict, lang: str) -> list[Line]:
    """Exceptions that hold, each with the conclusions whose rules they overrode."""
    found: dict[str, dict] = {}
    targets: dict[str, list[str]] = {}
    for c in a["conclusions"]:
        info = {e["rule"]: e for e in c["exceptions"]}
        for r in c["rules"]:
            for d in r["defeated_by"]:
                if d in info:
                    found.setdefault(d, info[d])
                    targets.setdefault(d, []).append(text_of(c["label"], lang))
    lines = []
    for rid in sorted(found):
        e = found[rid]
        lines.append(Line("entry", text_of(e["label"], lang), children=[
            Line("field", join(unique(targets[rid]), lang), label=msg(lang, "exc.defeats")),
            Line("field", join(unique(clause(cit, lang) for cit in e["citations"]), lang),
                 label=msg(lang, "f.clauses"))]))
    return lines


def _open_points(a: dict, concl: dict, lang: str) -> list[Line]:
    from .summary import exception_name, ranked_questions

    def labels(codes: list[str]) -> str:
        return join((text_of(concl[k]["label"], lang) if k in concl else k for k in codes), lang)

    lines = []
    for q in ranked_questions(a, concl):
        line = Line("entry", text_of(q["question"], lang),
                    children=[Line("field", text_of(q["label"], lang), label=msg(lang, "f.ask")),
                              Line("field", q["fact"], label=msg(lang, "q.write_in"))])
        if q.get("confirm"):
            base = q["fact"]
            line.children.append(Line("field", fact_value(base, q["confirm"], lang),
                                      label=msg(lang, "q.confirm")))
        line.children.append(Line("field", labels(q["affects"]), label=msg(lang, "q.affects")))
        lines.append(line)
    for c in a["conclusions"]:
        if c["displayed"] and c.get("unless"):
            names = join((exception_name(e, lang) for e in c["exceptions"] if e["rule"] in c["unless"]),
                         lang)
            lines.append(Line("entry", msg(lang, "q.unless_text", label=text_of(c["label"], lang),
                                           exceptions=names)))
    return lines


def _reviews(a: dict, concl: dict, lang: str) -> list[Line]:
    lines = []
    for rv in a["reviews"]:
        keys = unique(clause(cit, lang) for cit in rv["citations"])
        title = text_of(rv["label"], lang) + (paren(join(keys, lang), lang) if keys else "")
        line = Line("entry", title, children=[
            Line("field", text_of(rv["question"], lang), label=msg(lang, "f.review")),
            Line("field", join((text_of(concl[k]["label"], lang) if k in concl else k
                                for k in rv["affects"]), lang), label=msg(lang, "q.affects"))])
        guidance = Line("field", label=msg(lang, "rv.guidance"))
        for cit in rv["citations"]:
            guidance.children.append(Line("quote", cit["quote"],
                                          label=f"{clause(cit, lang)} — {citation_status(cit, lang)}"))
        line.children.append(guidance)
        lines.append(line)
    return lines


def _sources(a: dict, lang: str, detailed: bool = True) -> list[Line]:
    """Each clause the shown conclusions rest on, once. `detailed`: with every distinct verbatim
    quote of it and its URL; otherwise one line per clause with the status of its quotes (the
    quotes themselves: `--section sources`, `explain`, or the JSON)."""
    cites: list[dict] = []
    for c in a["conclusions"]:
        if not c["displayed"]:
            continue
        for r in supporting_rules(c):
            cites.extend(r["citations"])
        for e in c["exceptions"]:
            if e["status"] == "holds" or e["rule"] in c.get("unless", []):
                cites.extend(e["citations"])
    for c in a["conclusions"]:            # exceptions applied anywhere are shown, so are their sources
        for r in c["rules"]:
            for e in c["exceptions"]:
                if e["rule"] in r["defeated_by"]:
                    cites.extend(e["citations"])
    for rv in a["reviews"]:
        cites.extend(rv["citations"])
    by_key: dict[str, list[dict]] = {}
    for cit in cites:
        quotes = by_key.setdefault(cit["key"], [])
        if all(q["quote"] != cit["quote"] for q in quotes):
            quotes.append(cit)
    lines = []
    if not detailed:
        if by_key:
            lines.append(Line("text", msg(lang, "src.compact_note")))
        for key, quotes in by_key.items():
            statuses = unique(citation_status(cit, lang) for cit in quotes)
            lines.append(Line("item", f"{clause(quotes[0], lang)} — {join(statuses, lang)}"
                              + msg(lang, "src.quotes", n=len(quotes))))
        return lines
    for key, quotes in by_key.items():
        kids = []
        for cit in quotes:
            kids.append(Line("quote", cit["quote"], label=citation_status(cit, lang)))
        for url in unique(cit["url"] for cit in quotes if cit.get("url")):
            kids.append(Line("link", url))
        lines.append(Line("entry", clause(quotes[0], lang), children=kids))
    return lines


def _receipt(a: dict, lang: str) -> list[Line]:
    r = a["receipt"]
    kb = f"{r['kb_id']} {r['kb_version']}" + (f" ({r['kb_dir']})" if r.get("kb_dir") else "")
    lock = r.get("lock") or {}
    if lock.get("status"):
        kb += " — " + msg(lang, f"r.lock.{lock['status']}", version=lock.get("kb_version"))
    return [
        Line("field", kb, label=msg(lang, "r.kb")),
        Line("field", r["rules_sha256"], label=msg(lang, "r.sha")),
        Line("field", f"{r['as_of']} — {_as_of_source(a, lang)}", label=msg(lang, "r.as_of")),
        Line("field", msg(lang, "r.rules_count", n=len(r["rule_versions"])), label=msg(lang, "r.rules")),
        Line("field", ", ".join(f"{k} {v}" for k, v in sorted(r["schemas"].items())),
             label=msg(lang, "r.schemas")),
        Line("field", ", ".join(f"{k} {v}" for k, v in sorted(r["engine"].items())),
             label=msg(lang, "r.engine")),
    ] + [Line("field", ", ".join(f"{k} {v}" for k, v in sorted(r["packages"].items())),
              label=msg(lang, "r.packages"))] * bool(r.get("packages")) + [
        Line("field", r[key], label=msg(lang, label))
        for key, label in (("input_sha256", "r.input"), ("output_sha256", "r.output")) if r.get(key)]
