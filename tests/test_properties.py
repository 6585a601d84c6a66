"""Generated incidents (hypothesis), drawn from schemas/incident.schema.json (tests/incident_strategies.py).

For each: no engine fault; durable-rules and the reference evaluator give byte-identical
assessments; the assessment is valid against schemas/assessment.schema.json; and what the law
guarantees holds whatever the facts:
- a report duty rests on a 規則7条 item (through reg7.reportable) or on a public body's ground;
- a due date is a working day by the KB's own counting convention, never before the day the
  business learned of the event;
- the final report's 30 or 60 days follow 規則7条3号;
- high-grade encryption with the key safe leaves no 規則7条 item established;
- up to the 4号 threshold never 4号; past it, with a personal-data event, always (or excluded);
- learning one unknown fact never turns an established conclusion into not established, or the
  reverse, except for conclusions that ask whether that very fact is known.
Each incident is assessed after others on the same engine (every run of a durable rule set uses
the same session id, its session deleted after each run): nothing of one may reach the next.
CI runs a fixed, bounded set of examples (APPI_KB_PROPERTY_EXAMPLES, default 25 each);
benchmarks/soak.py runs 10,000 and more in one process.
"""
from __future__ import annotations

import copy
import datetime as _dt
import json
import os
import sys
from pathlib import Path

import holidays
import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st

from engine.assess import Engine
from engine.errors import InputError
from engine.facts import incident_facts
from engine.schemas import validate_doc, validator
from engine.yamlio import Doc

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from incident_strategies import fact_values, incidents, law_dates, unknown_facts  # noqa: E402

EXAMPLES = int(os.environ.get("APPI_KB_PROPERTY_EXAMPLES", "25"))
settings.register_profile(
    "appi-kb", max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much])
PROFILE = settings.get_profile("appi-kb")

ITEMS = ["reg7.item1", "reg7.item2", "reg7.item3", "reg7.item4"]


@pytest.fixture(scope="module")
def engines():
    with Engine() as durable, Engine(durable.kb, backend="reference") as reference:
        yield durable, reference


def _doc(data: dict) -> Doc:
    doc = Doc("generated.yaml", data, {})
    validate_doc(doc, "incident")          # the strategies draw only valid incidents
    return doc


def _as_of(doc: Doc, engine: Engine, fallback: _dt.date) -> _dt.date | None:
    """None when the incident itself says which day's law applies, else `fallback`."""
    try:
        engine.choose_as_of(incident_facts(doc), None)
        return None
    except InputError as exc:
        assert exc.kind == "as_of", exc
        return fallback


def assess_both(engines, data: dict, fallback: _dt.date):
    """(durable assessment, reference assessment, facts), or None when no rule was in force."""
    durable, reference = engines
    doc = _doc(data)
    facts = incident_facts(doc)
    day = _as_of(doc, durable, fallback)
    try:
        got = durable.assess(doc, day)
    except InputError as exc:          # a date before the knowledge base begins: exit 2, not a fault
        assert exc.kind == "as_of" and "in force" in exc.message, exc
        event("no rule in force on the incident's date")
        return None
    want = reference.assess(doc, day)
    return got, want, facts


def _closed(day: _dt.date, convention: dict) -> str | None:
    """Why `day` is not a working day under a counting convention (an independent reading)."""
    for rule in convention.get("roll_forward_from", []):
        if isinstance(rule, dict):
            md = day.strftime("%m-%d")
            lo, hi = rule["from"], rule["to"]
            if (lo <= md <= hi) if lo <= hi else (md >= lo or md <= hi):
                return f"{lo}..{hi}"
        elif rule == "national_holiday":
            if day in holidays.country_holidays(convention.get("holiday_calendar", "JP"),
                                                years=day.year):
                return "holiday"
        elif day.strftime("%A").lower() == rule:
            return rule
    return None


def check_invariants(a: dict, data: dict, facts, ckb) -> None:
    c = {x["code"]: x for x in a["conclusions"]}

    def status(code: str) -> str | None:
        return c[code]["status"] if code in c else None

    if status("report_duty") == "established":
        assert "established" in (status("reg7.reportable"), status("public.report_event"))
    if status("reg7.reportable") == "established":
        assert any(status(i) == "established" for i in ITEMS)

    learned = data.get("dates", {}).get("learned", "unknown")
    for concl in a["conclusions"]:
        for d in [concl.get("deadline")] + list(concl.get("deadline_alternatives", [])):
            if not d or not d.get("due"):
                continue
            due = _dt.date.fromisoformat(d["due"])
            assert not _closed(due, ckb.params[d["convention"]]), (concl["code"], d)
            assert d["due"] >= d["start"], (concl["code"], d)
            if learned != "unknown":
                assert d["due"] >= learned, (concl["code"], d, learned)

    final = c.get("report.final", {})
    if status("report.final") == "established" and final.get("deadline"):
        days = final["deadline"]["days"]
        if status("reg7.item3") == "established":
            assert days == ckb.params["reg8-2.final-report-days-item3"], final["deadline"]
        elif status("reg7.item3") in ("not_established", "excluded"):
            assert days == ckb.params["reg8-2.final-report-days"], final["deadline"]

    dat = data.get("data", {})
    if dat.get("encryption") == "high_grade" and dat.get("key_compromised") is False:
        assert not [i for i in ITEMS if status(i) == "established"]

    threshold = ckb.params["reg7.item4.threshold"]
    points = [v for _, v in facts.series.get("affected.number_max", [])]
    if points and max(points) <= threshold:
        assert status("reg7.item4") != "established", points
    if points and max(points) > threshold and status("reg7.personal_data_event") == "established":
        assert status("reg7.item4") in ("established", "excluded"), points


@settings(PROFILE)
@given(data=incidents(), fallback=law_dates)
def test_generated_incidents(engines, data, fallback) -> None:
    note(json.dumps(data, ensure_ascii=False, default=str))
    result = assess_both(engines, data, fallback)
    if result is None:
        return
    got, want, facts = result
    assert json.dumps(got, sort_keys=True, ensure_ascii=False) == \
        json.dumps(want, sort_keys=True, ensure_ascii=False)
    errors = [e.message for e in validator("assessment").iter_errors(got)]
    assert not errors, errors[:3]
    ckb, _backend = engines[0].compiled(_dt.date.fromisoformat(got["as_of"]))
    check_invariants(got, data, facts, ckb)


@settings(PROFILE)
@given(first=incidents(), second=incidents(), fallback=law_dates)
def test_what_one_incident_leaves_never_reaches_the_next(engines, first, second, fallback) -> None:
    # durable's rule sets reuse one session id across assessments (engine/session.py): assessing
    # `first` and then `second` on the same engine gives `second` the reference's bytes, and so
    # does assessing `second` again after `first` once more
    note(json.dumps([first, second], ensure_ascii=False, default=str))
    durable, reference = engines
    for data in (first, second, first, second):
        result = assess_both(engines, copy.deepcopy(data), fallback)   # reading completes it
        if result is not None:
            got, want, _facts = result
            assert json.dumps(got, sort_keys=True, ensure_ascii=False) == \
                json.dumps(want, sort_keys=True, ensure_ascii=False)


def _depends_on_knowing(ckb, names: set[str]) -> set[str]:
    """Conclusions that test whether one of `names` is known, or rest on one that does."""
    from engine.conditions import literals
    producers: dict[str, list[str]] = {}
    for rid, cr in ckb.rules.items():
        producers.setdefault(cr.version.then["conclude"], []).append(rid)
    dependent: set[str] = set()
    changed = True
    while changed:
        changed = False
        for rid, cr in ckb.rules.items():
            code = cr.version.then["conclude"]
            if code in dependent:
                continue
            lits = literals(cr.tree)
            hit = any(lit.kind == "fact" and lit.op == "is_known" and lit.name in names for lit in lits) \
                or any(lit.kind == "concl" and lit.name in dependent for lit in lits) \
                or any(ckb.rules[d].version.then["conclude"] in dependent
                       for d in ckb.defeaters.get(rid, []))
            if hit:
                dependent.add(code)
                changed = True
    return dependent


@settings(PROFILE)
@given(data=incidents(), fallback=law_dates, pick=st.data())
def test_knowing_more_never_reverses_a_settled_conclusion(engines, data, fallback, pick) -> None:
    durable = engines[0]
    unknown = unknown_facts(data)
    assume(unknown)
    sec, key = pick.draw(st.sampled_from(unknown))
    refined = copy.deepcopy(data)
    refined.setdefault(sec, {})[key] = pick.draw(fact_values(sec, key))
    try:
        before_doc, after_doc = _doc(data), _doc(refined)
        incident_facts(after_doc)
    except InputError:
        assume(False)                      # the new value contradicts another (dates, counts)
    note(f"{sec}.{key} := {refined[sec][key]!r}")
    day = _as_of(before_doc, durable, fallback)
    try:
        before = durable.assess(before_doc, day)
    except InputError as exc:
        assert exc.kind == "as_of", exc
        return
    day = _dt.date.fromisoformat(before["as_of"])      # the same law for both
    after = durable.assess(after_doc, day)
    ckb, _ = durable.compiled(day)
    vocab_names = {f"{sec}.{key}"}
    from engine.vocabulary import vocabulary
    fdef = vocabulary().get(f"{sec}.{key}")
    if fdef is not None and fdef.max_name:
        vocab_names.add(fdef.max_name)
    exempt = _depends_on_knowing(ckb, vocab_names)
    was = {c["code"]: c["status"] for c in before["conclusions"]}
    now = {c["code"]: c["status"] for c in after["conclusions"]}
    for code, status in was.items():
        if code in exempt:
            continue
        if status == "established":
            assert now[code] != "not_established", (code, now[code])
        if status == "not_established":
            assert now[code] != "established", (code, now[code])
