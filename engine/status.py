"""Deadlines tracked across a folder of incidents: what is done, what is due (days left), what is
overdue — and the same as calendar entries (iCalendar).

Each incident is assessed; every conclusion the reader is shown that carries a date (a deadline
such as the 確報, or a window such as the 速報 target) becomes an entry, done when
`response.taken` lists its action (the rule's `values.action`, e.g. ppc_report), on the day
`response.taken` dates it. "Today" follows the team's convention (--today, APPI_KB_TODAY,
--as-of, the system date); nothing here knows any law: the dates, actions and labels all come
from the assessment.
"""
from __future__ import annotations

import datetime as _dt
from .document import expand
from dataclasses import dataclass, field
from pathlib import Path

ACTIVE = ("established", "undetermined", "needs_review")

_MSG = {
    "ja": {"done": "済", "overdue": "超過", "due": "期限", "open": "未定",
           "window": "{a}〜{b}", "until": "{d}まで", "left": "あと{n}日", "today": "本日が期限",
           "late": "{n}日過ぎています", "done_on": "{d} 実施", "done_late": "{d} 実施（{n}日遅れ）",
           "done_undated": "実施済み（日付の記録なし）", "undecided": "（未確定）",
           "no_date": "日付を計算できない（{q}）", "steps_done": "実施済みの措置", "steps_open": "期日のない未実施の措置：{n}件",
           "summary": "{cases}件の事案：期限超過 {over}件、期限あり {due}件、済 {done}件（本日 {today}）",
           "nothing": "期限のある事項なし", "ics_done": "【済】"},
    "en": {"done": "done", "overdue": "OVERDUE", "due": "due", "open": "open",
           "window": "{a} to {b}", "until": "by {d}", "left": "{n} days left", "today": "due today",
           "late": "{n} days overdue", "done_on": "done {d}", "done_late": "done {d} ({n} days late)",
           "done_undated": "done (no date recorded)", "undecided": " (not yet decided)",
           "no_date": "no date yet ({q})", "steps_done": "measures done", "steps_open": "undated measures still open: {n}",
           "summary": "{cases} case(s): {over} overdue, {due} due, {done} done (today {today})",
           "nothing": "nothing with a date", "ics_done": "[done] "},
}


@dataclass
class Entry:
    code: str
    label: dict
    status: str                 # the conclusion's status
    due: str | None             # the day it is due (a window: its last day)
    start: str | None = None    # a window's first day
    state: str = "due"          # done | overdue | due | open
    done_on: str | None = None
    days: int | None = None     # days left (due), days late (overdue / done late)
    clauses: list = field(default_factory=list)
    questions: list = field(default_factory=list)


@dataclass
class Case:
    file: str
    id: str | None
    title: str | None
    entries: list[Entry]
    steps_done: list[tuple[str, str | None]]      # (label, day)
    steps_open: int


def track(path: str, a: dict, data: dict, today: _dt.date, lang: str = "ja") -> Case:
    a = expand(a)
    taken_on = ((data.get("response") or {}).get("taken_on") or {})
    entries, steps_done, steps_open = [], [], 0
    for c in a["conclusions"]:
        if not c["displayed"] or c["status"] not in ACTIVE:
            continue
        action = (c.get("values") or {}).get("action")
        dated = c.get("deadline") or c.get("window")
        if not dated:
            if action is not None and c["status"] == "established":
                if c.get("done"):
                    steps_done.append((c["label"][lang], taken_on.get(action)))
                else:
                    steps_open += 1
            continue
        due = (c.get("deadline") or {}).get("due") or (c.get("window") or {}).get("to")
        e = Entry(c["code"], c["label"], c["status"], due,
                  start=(c.get("window") or {}).get("from") if c.get("window") else None,
                  clauses=sorted({cit["key" if lang == "ja" else "key_en"] for r in c["rules"]
                                  if r["status"] in ("holds", "open") for cit in r["citations"]}),
                  questions=[q["fact"] for q in dated.get("questions", [])])
        if c.get("done"):
            e.state, e.done_on = "done", taken_on.get(action)
            if e.done_on and due and e.done_on > due:
                e.days = (_dt.date.fromisoformat(e.done_on) - _dt.date.fromisoformat(due)).days
        elif due is None:
            e.state = "open"
        else:
            left = (_dt.date.fromisoformat(due) - today).days
            e.state, e.days = ("overdue", -left) if left < 0 else ("due", left)
        entries.append(e)
    entries.sort(key=lambda e: (e.due or "9999", e.code))
    meta = a.get("incident") or {}
    return Case(path, meta.get("id"), meta.get("title"), entries, sorted(steps_done, key=lambda s: (s[1] or "", s[0])),
                steps_open)


def text(cases: list[Case], today: _dt.date, lang: str = "ja") -> str:
    m = _MSG[lang]
    out = []
    for case in cases:
        head = case.file + (f" — {case.title}" if case.title else "") + (f"（{case.id}）" if case.id and lang == "ja" else (f" ({case.id})" if case.id else ""))
        out.append(head)
        if not case.entries:
            out.append(f"  {m['nothing']}")
        for e in case.entries:
            when = (m["window"].format(a=e.start, b=e.due) if e.start else m["until"].format(d=e.due)) if e.due \
                else m["no_date"].format(q=", ".join(e.questions))
            if e.state == "done":
                how = (m["done_late"].format(d=e.done_on, n=e.days) if e.days else
                       m["done_on"].format(d=e.done_on)) if e.done_on else m["done_undated"]
            elif e.state == "overdue":
                how = m["late"].format(n=e.days)
            elif e.state == "due":
                how = m["today"] if e.days == 0 else m["left"].format(n=e.days)
            else:
                how = ""
            undecided = m["undecided"] if e.status != "established" else ""
            clauses = ("（" + "、".join(e.clauses) + "）") if e.clauses and lang == "ja" else \
                (" (" + ", ".join(e.clauses) + ")" if e.clauses else "")
            out.append(f"  [{m[e.state]}] {e.label[lang]}{undecided}: {when}" + (f" — {how}" if how else "") + clauses)
        if case.steps_done:
            out.append(f"  {m['steps_done']}: " + ", ".join(
                f"{label}" + (f" {day}" if day else "") for label, day in case.steps_done))
        if case.steps_open:
            out.append("  " + m["steps_open"].format(n=case.steps_open))
        out.append("")
    count = lambda s: sum(1 for c in cases for e in c.entries if e.state == s)   # noqa: E731
    out.append(m["summary"].format(cases=len(cases), over=count("overdue"), due=count("due"),
                                   done=count("done"), today=today.isoformat()))
    return "\n".join(out) + "\n"


def as_json(cases: list[Case], today: _dt.date) -> dict:
    return {"today": today.isoformat(), "cases": [
        {"file": c.file, "id": c.id, "title": c.title,
         "entries": [{"code": e.code, "label": e.label, "status": e.status, "state": e.state,
                      "from": e.start, "due": e.due, "done_on": e.done_on, "days": e.days,
                      "clauses": e.clauses} for e in c.entries],
         "steps_done": [{"label": label, "on": day} for label, day in c.steps_done],
         "steps_open": c.steps_open} for c in cases]}


def overdue(cases: list[Case]) -> bool:
    return any(e.state == "overdue" for c in cases for e in c.entries)


def ics(cases: list[Case], today: _dt.date, lang: str = "ja") -> bytes:
    """One all-day event per dated entry (a window spans its days), stable UIDs, no clock time:
    the same cases and today give the same bytes."""
    from icalendar import Calendar, Event
    m = _MSG[lang]
    cal = Calendar()
    cal.add("prodid", "-//appi-kb//deadlines//JA")
    cal.add("version", "2.0")
    stamp = _dt.datetime(today.year, today.month, today.day, tzinfo=_dt.timezone.utc)
    for case in cases:
        for e in case.entries:
            if not e.due:
                continue
            ev = Event()
            ev.add("uid", f"{case.id or Path(case.file).stem}.{e.code}@appi-kb")
            ev.add("dtstamp", stamp)
            first = _dt.date.fromisoformat(e.start or e.due)
            ev.add("dtstart", first)
            ev.add("dtend", _dt.date.fromisoformat(e.due) + _dt.timedelta(days=1))
            title = case.title or case.id or case.file
            ev.add("summary", (m["ics_done"] if e.state == "done" else "") + f"{e.label[lang]} — {title}")
            desc = [", ".join(e.clauses), case.file]
            if e.done_on:
                desc.insert(0, m["done_on"].format(d=e.done_on))
            ev.add("description", "\n".join(d for d in desc if d))
            cal.add_component(ev)
    return cal.to_ical()
