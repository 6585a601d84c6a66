"""Assess one incident: facts -> rules in force -> strata in durable-rules -> resolved conclusions.

The result is a plain, JSON-ready dict (schemas/assessment.schema.json) with no timestamps and
everything sorted, so the same incident and KB version give byte-identical output.
"""
from __future__ import annotations

import bisect
import datetime as _dt
import gc
import threading
from pathlib import Path
from typing import Any

from . import kbcache
from . import numbers
from . import receipt as _receipt
from . import pending as _pending
from . import scope as _scope
from .calendar import count_days, window
from .compile import CompiledKB, compile_kb
from .errors import InputError
from .evaluator import BACKENDS, Backend, make_backend
from .facts import FactSet, incident_facts
from .grounds import why_not
from .jsonfast import compact_bytes
from .memo import keep
from .model import KB, Citation
from .paths import RULES_DIR, display
from .resolve import (ESTABLISHED, EXCLUDED, NEEDS_REVIEW, NOT_ESTABLISHED, UNDETERMINED,
                      Resolver, fact_display)
from .release import param_ref
from .schemas import validate_doc
from .vocabulary import vocabulary
from .yamlio import Doc, load_yaml

STATUS_ORDER = {ESTABLISHED: 0, UNDETERMINED: 1, NEEDS_REVIEW: 2, EXCLUDED: 3, NOT_ESTABLISHED: 4}


def load_incident(path: Path | str) -> Doc:
    path = Path(path)
    doc = load_yaml(path, display(path))
    validate_doc(doc, "incident")
    return doc


class Engine:
    """A loaded KB with its compiled rules, cached per set of rule versions in force, and the back
    end that evaluates them: "durable" (durable-rules, the default) or "reference" (the pure
    Python oracle, engine/reference.py). Use it as a context manager, or call close(); an Engine
    that is dropped frees its durable rulesets when it is garbage-collected."""

    _lock = threading.Lock()

    def __init__(self, kb: KB | None = None, rules_dir: Path = RULES_DIR,
                 backend: str = "durable") -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown back end '{backend}' (one of: {', '.join(BACKENDS)})")
        self.kb = kb or kbcache.load_kb(rules_dir)
        self.backend = backend
        self._compiled: dict[tuple, tuple[CompiledKB, Backend]] = {}
        self._static: dict[tuple, _Static] = {}
        self._by_day: dict[_dt.date, tuple] = {}            # day -> (key of _compiled,)

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def compiled(self, as_of: _dt.date) -> tuple[CompiledKB, Backend]:
        found = self._by_day.get(as_of)
        if found is not None and found[0] in self._compiled:
            return self._compiled[found[0]]
        key = self._key_on(as_of)
        with self._lock:
            if key not in self._compiled:
                ckb = kbcache.compiled(self.kb, key, lambda: compile_kb(self.kb, as_of))
                runner = make_backend(self.backend, ckb, f"{self.kb.id}@{self.kb.version}#{ckb.key}")
                self._compiled[key] = (ckb, runner)
                _settle()
            keep(self._by_day, as_of, (key,), 4096)
            return self._compiled[key]

    def _key_on(self, as_of: _dt.date) -> tuple:
        """(rule versions, parameter versions) in force on `as_of`. The same for every day between
        two dates on which a version starts or ends: computed once per such stretch (a batch
        of incidents over two years asks for hundreds of days, and a few stretches)."""
        bounds = self.__dict__.get("_bounds")
        if bounds is None:
            dates = set()
            for versions in ([r.versions for r in self.kb.rules.values()]
                             + [p.versions for p in self.kb.parameters.values()]):
                for v in versions:
                    dates.add(v.valid_from)
                    if v.valid_to is not None and v.valid_to < _dt.date.max:
                        dates.add(v.valid_to + _dt.timedelta(days=1))
            bounds = self.__dict__["_bounds"] = (sorted(dates), {})
        stretch = bisect.bisect_right(bounds[0], as_of)
        key = bounds[1].get(stretch)
        if key is None:
            refs = tuple(sorted(v.ref for r in self.kb.rules.values()
                                for v in [r.version_on(as_of)] if v is not None))
            params = tuple(sorted((p.id, i) for p in self.kb.parameters.values()
                                  for i, pv in enumerate(p.versions)
                                  if pv.valid_from <= as_of
                                  and (pv.valid_to is None or as_of <= pv.valid_to)))
            key = bounds[1][stretch] = (refs, params)
        return key

    def close(self) -> None:
        """Free the durable-rules rulesets (each holds native memory until deleted)."""
        with self._lock:
            for _ckb, runner in self._compiled.values():
                runner.close()
            self._compiled.clear()
            self._static.clear()
            self._by_day.clear()

    def _dated_codes(self) -> list[str]:
        found = self.__dict__.get("_dated")
        if found is None:
            found = self.__dict__["_dated"] = sorted(
                code for code, c in self.kb.conclusions.items() if c.labels)
        return found

    def static(self, ckb: CompiledKB, day: _dt.date) -> "_Static":
        """What an assessment shows that depends only on the KB and the day (labels follow the
        parameters and dated labels in force): built once, shared by every assessment. The parts
        of assessment documents that come from here are shared objects: treat them as read-only."""
        # labels change only with the rule and parameter versions in force (ckb.key) and with the
        # dated labels of conclusions: the day matters only through those
        dated = tuple(i for code in self._dated_codes()
                      for i, v in enumerate(self.kb.conclusions[code].labels)
                      if _in_force(v, day))
        # the rule and parameter versions in force (ckb.key names parameter values, and two
        # versions of a parameter may share a value while citing different texts)
        versions = self._by_day[day][0] if day in self._by_day else ckb.key
        key = (ckb.key, versions, dated)
        found = self._static.get(key)
        if found is None:
            with self._lock:
                found = keep(self._static, key, _Static(self.kb, ckb, day), 64)
                _settle()
        return found

    def choose_as_of(self, facts: FactSet, as_of: _dt.date | None) -> tuple[_dt.date, str]:
        if as_of is not None:
            return as_of, "--as-of"
        for name in self.kb.as_of_facts:
            value = facts.date(name)
            if value:
                return _dt.date.fromisoformat(value), name
        raise InputError("cannot choose the assessment date: none of "
                         f"{', '.join(self.kb.as_of_facts)} is known",
                         hint="state one of these dates in the incident, or pass --as-of YYYY-MM-DD",
                         kind="as_of")

    def assess(self, doc: Doc, as_of: _dt.date | None = None) -> dict:
        facts = incident_facts(doc)
        day, source = self.choose_as_of(facts, as_of)
        ckb, runner = self.compiled(day)
        static = self.static(ckb, day)
        # resolving and building make no reference cycles (tests/test_engine_scale.py), so a
        # cyclic collection while they run frees nothing: it only walks the document being
        # built (about two a warm assessment, ~8% of its CPU). The collector pauses meanwhile,
        # not while compiling (above): cyclic leftovers of a compile are collected as before,
        # not frozen with the compiled KB. Whichever thread paused it resumes it, so it is
        # never left off
        paused = gc.isenabled()
        if paused:
            gc.disable()
        try:
            resolver = Resolver(ckb, facts, static.firing_memo)
            for stratum in ckb.strata:
                levels = {code: resolver.code(code).level for code in stratum.needs}
                resolver.add(runner.evaluate(stratum, facts, levels))
            return _Builder(self.kb, ckb, facts, resolver, static).build(doc, day, source)
        finally:
            if paused:
                gc.enable()


def _settle() -> None:
    """What was just built — a compiled KB and its rule sets, or the document parts shared by
    every assessment of a day — lives as long as the engine: move it, with all that is older, out
    of the cyclic garbage collector's way (gc.freeze, O(1)). A full collection walks every tracked
    object, and with a KB in the heap one took ~90 ms every ~30 assessments: a fifth of a warm
    assessment's CPU. Frozen objects are still freed when nothing refers to them, and a KB, an
    engine and an assessment hold no reference cycles (tests/test_engine_scale.py), so nothing
    is kept that would otherwise be collected."""
    gc.freeze()


def _in_force(dated_label: dict, day: _dt.date) -> bool:
    start, end = dated_label["valid_from"], dated_label.get("valid_to")
    start = _dt.date.fromisoformat(start) if isinstance(start, str) else start
    end = _dt.date.fromisoformat(end) if isinstance(end, str) else end
    return start <= day and (end is None or day <= end)



def _cite(c: Citation) -> dict:
    out = {"key": c.key, "key_en": c.key_en}
    out.update({k: c.data[k] for k in sorted(c.data)})
    return out


class _Static:
    """The parts of an assessment that depend only on the compiled KB and the day."""

    def __init__(self, kb: KB, ckb: CompiledKB, day: _dt.date) -> None:
        # the document's `rules` table: each rule version in force, with its label, where it is
        # written, its citations, its judgment and the parameters it reads — once per document;
        # conclusions name the rules they rest on by id and version (engine/document.py joins them)
        self.rules: dict[str, dict] = {}
        self.reviews: dict[str, dict] = {}
        self.versions: dict[str, int] = {}
        self.quiet_rules: dict[str, dict] = {}
        for rid in sorted(ckb.rules):
            v = ckb.rules[rid].version
            label = kb.rule_label(rid, day)
            citations = [_cite(c) for c in v.citations]
            entry = {"version": v.version, "valid_from": v.valid_from.isoformat(),
                     "valid_to": v.valid_to.isoformat() if v.valid_to else None,
                     "label": label, "kind": kb.rules[rid].kind, "file": v.file,
                     "line": v.line, "citations": citations}
            if v.judgment:
                entry["judgment"] = v.judgment
                self.reviews[rid] = {"rule": rid, "version": v.version, "label": label,
                                     "question": v.judgment["question"], "citations": citations}
            params = numbers.rule_parameters(kb, v, day, _cite)
            if params:                      # the numbers it reads
                entry["parameters"] = params
            self.rules[rid] = entry
            self.versions[rid] = v.version
        self.conclusions = {code: (kb.conclusion_label(code, day), c)
                            for code, c in kb.conclusions.items()}
        self.rule_versions = sorted(cr.version.ref for cr in ckb.rules.values())
        self.parameter_versions = sorted(
            param_ref(p, pv) for p in kb.parameters.values() for pv in p.versions
            if pv.valid_from <= day and (pv.valid_to is None or day <= pv.valid_to))
        self.value_labels = {k: kb.value_labels[k] for k in sorted(kb.value_labels)}
        self.sections = [{"id": sec.id, "title": sec.title}
                         for sec in sorted(kb.sections.values(), key=lambda x: x.order)]
        self.needs = {sid: frozenset(sec.needs_input) for sid, sec in kb.sections.items()}
        # the parts every assessment of this KB and day shares: the output hash writes their
        # canonical text once (engine/receipt.py)
        self.memo: dict[int, tuple] = {id(p): (p, None)
                                       for p in (self.rules, self.value_labels, self.sections)}
        self.quiet_conclusions: dict[str, dict] = {}
        self._shown: dict[tuple, dict] = {}
        self._exceptions: dict[tuple, dict] = {}
        self._shapes: dict[tuple, tuple] = {}          # derivation identity -> its shape
        self.open_points: dict[frozenset, tuple] = {}    # open points -> (questions, reviews)
        self.fixed_outputs: dict[str, dict] = {}      # rule id -> outputs that read no facts
        self.firing_memo: dict = {}      # engine/resolve.py: what each firing's atoms say
        self._heads: dict[str, dict] = {}
        self.shared: dict[tuple, dict] = {}
        self._order: list[tuple] | None = None

    def plan(self, resolver: Resolver, kb: KB, ckb: CompiledKB) -> list[tuple]:
        """The conclusions an assessment lists, by section, order, code, each with the rules that
        conclude it and the rules whose firing would change it (those and their exceptions):
        (code, producers, watched). The same for every assessment of this compiled KB."""
        if self._order is None:
            codes = sorted(
                (code for code in resolver.all_codes() if code in kb.conclusions),
                key=lambda code: (kb.sections[kb.conclusions[code].section].order,
                                  kb.conclusions[code].order, code))
            plan = []
            for code in codes:
                producers = resolver.producers.get(code, [])
                watched = frozenset(producers + [d for rid in producers
                                                 for d in ckb.defeaters.get(rid, [])])
                plan.append((code, producers, watched))
            self._order = plan
        return self._order

    def derivation_shape(self, raw: tuple) -> tuple:
        """What a derivation's identity (facts, conclusions with levels, dates) says whatever the
        incident: its sort key, the conclusions it rests on and those it rests on not holding."""
        found = self._shapes.get(raw)
        if found is None:
            concls = [c for c, level in raw[1] if level != "F"]
            absent = [c for c, level in raw[1] if level == "F"]
            found = (raw[0], tuple(concls), tuple(absent), raw[2]), concls, absent
            keep(self._shapes, raw, found, 50_000)
        return found

    def exception(self, rid: str, final: str) -> dict:
        """What a conclusion says of an exception to one of its rules, from its final status."""
        found = self._exceptions.get((rid, final))
        if found is None:
            found = self._exceptions[(rid, final)] = {
                "rule": rid, "version": self.versions[rid], "status": _final_word(final)}
        return found

    def once(self, key: tuple, make) -> dict:
        """The entry `make()` builds, built once: it reads the same in every assessment of this
        KB and day (an exception's status, a question, a judgment to make), and documents share
        it, read only."""
        found = self.shared.get(key)
        if found is None:
            found = self.shared[key] = make()
        return found

    def shown(self, quiet: dict, displayed: bool) -> dict:
        """The entry of a quiet conclusion with whether it is displayed: one shared, read-only
        entry per conclusion and answer, whose canonical text the output hash writes once
        (engine/receipt.py reads `memo` for the items of the conclusions list too)."""
        key = (quiet["code"], displayed)
        found = self._shown.get(key)
        if found is None:
            found = self._shown[key] = dict(quiet, displayed=displayed)
            self.memo[id(found)] = (found, compact_bytes(found))
        return found

    def own(self, entry: dict) -> dict:
        """`entry`, or a copy of it if it is a shared one (the caller is about to add to it)."""
        return dict(entry) if self.memo.get(id(entry), (None,))[0] is entry else entry

    def conclusion_head(self, code: str, kb: KB) -> dict:
        """What a conclusion's entry says whatever the incident: code, label (as dated on the
        day), section, order, headline, what to show, the label of the negative answer."""
        found = self._heads.get(code)
        if found is None:
            cdef = kb.conclusions[code]
            found = self._heads[code] = {
                "code": code, "label": self.conclusions[code][0], "section": cdef.section,
                "order": cdef.order, "headline": cdef.headline, "show": cdef.show,
                "negative_label": cdef.negative_label}
        return found


_RANK = {"T": 0, "M": 1, "X": 2, "F": 3}       # a conclusion lists its rules in this order
_WITH_OUTPUTS = frozenset((ESTABLISHED, UNDETERMINED, NEEDS_REVIEW))   # statuses that carry values


class _Builder:
    """Turns resolver state into the assessment document."""

    def __init__(self, kb: KB, ckb: CompiledKB, facts: FactSet, resolver: Resolver,
                 static: _Static | None = None) -> None:
        self.kb, self.ckb, self.facts, self.r = kb, ckb, facts, resolver
        self.vocab = vocabulary()
        self.static = static
        self._derivation_memo: dict[tuple, tuple[tuple, dict]] = {}

    def build(self, doc: Doc, day: _dt.date, source: str) -> dict:
        self.day = day          # labels follow the parameters and dated labels in force then
        if self.static is None:
            self.static = _Static(self.kb, self.ckb, day)
        # in reading order: by section, then the conclusion's order, then its code
        concls = [self.conclusion(*step) for step in self.static.plan(self.r, self.kb, self.ckb)]
        shared = self.static.quiet_conclusions
        questions: dict[str, dict] = {}
        reviews: dict[str, dict] = {}
        present = {k for k, v in doc.data.items() if v not in (None, {}, [])}
        # an input with none of the parts any section needs says nothing about what it is: every
        # section is shown (undetermined, with its questions) rather than a blank answer
        if not any(present & set(s.needs_input) for s in self.kb.sections.values()):
            present |= {part for s in self.kb.sections.values() for part in s.needs_input}
        needs_of = self.static.needs
        for i, c in enumerate(concls):
            needs = needs_of[c["section"]]
            displayed = (_displayed(c) and (not needs or not present.isdisjoint(needs))
                         and not self._moot(c))
            if shared.get(c["code"]) is c:      # a quiet conclusion: one shared entry per answer
                c = concls[i] = self.static.shown(c, displayed)
            else:
                c["displayed"] = displayed
            if not displayed:
                continue
            for key in ("deadline", "window"):      # a date that cannot be computed yet
                for q in (c.get(key) or {}).get("questions", []):
                    entry = questions.setdefault(q["fact"], dict(q, affects=[]))
                    if c["code"] not in entry["affects"]:
                        entry["affects"].append(c["code"])
            if c["status"] not in (UNDETERMINED, NEEDS_REVIEW):
                continue
            for q in c["questions"]:
                entry = questions.setdefault(q["fact"], dict(q, affects=[]))
                if c["code"] not in entry["affects"]:
                    entry["affects"].append(c["code"])
            for rv in c["reviews"]:
                entry = reviews.setdefault(rv["rule"], dict(self.static.reviews[rv["rule"]],
                                                            affects=[]))
                entry["affects"].append(c["code"])
        # a negative answer shown to the reader carries each ground checked and why it fails
        grounds = why_not(self.kb, self.ckb, self.facts, self.r,
                          [c["code"] for c in concls if c["displayed"]])
        flagged = _scope.flags(self.kb.scope)      # 対象外・要確認: the regime, why, where to look
        for i, c in enumerate(concls):
            if c["code"] in flagged and c["status"] == ESTABLISHED:
                e = flagged[c["code"]]
                c = concls[i] = self.static.own(c)
                c["scope"] = {k: e[k] for k in ("id", "title", "reason", "where", "url") if k in e}
            if c["code"] in grounds:
                c = concls[i] = self.static.own(c)
                c["why_not"] = grounds[c["code"]]
        meta = doc.data.get("incident", {})
        out = {
            "receipt": self.receipt(doc, day, source),
            "incident": {"id": meta.get("id"), "title": meta.get("title"), "file": doc.path},
            "as_of": day.isoformat(),
            "rules": self.static.rules,
            "value_labels": self.static.value_labels,
            "actions_done_fact": self.kb.actions_done_fact,
            "sections": self.static.sections,
            "facts": self.facts_summary(),
            "conclusions": concls,
            "questions": [questions[k] for k in sorted(questions)],
            "reviews": [reviews[k] for k in sorted(reviews)],
        }
        notices = _pending.notices(self.kb.pending, concls, day)   # coming changes that touch it
        if notices:
            out["notices"] = notices
        out["receipt"]["output_sha256"] = _receipt.output_sha256(out, self.kb.root,
                                                                 self.static.memo)
        return out

    def receipt(self, doc: Doc, day: _dt.date, source: str) -> dict:
        """engine/receipt.py: input, KB, lock, files, versions applied, packages."""
        return _receipt.build(self.kb, self.ckb, doc, day, source, self.static.rule_versions,
                              self.static.parameter_versions)

    def facts_summary(self) -> dict:
        out = {}
        for name, fdef in self.vocab.facts.items():
            if fdef.kind in ("possible", "series"):
                continue
            if name in self.facts.text:
                out[name] = self.facts.text[name]
            elif name in self.facts.known:
                out[name] = fact_display(self.facts, name)
        for name, extra in self.facts.possible.items():
            out[name + "(possible)"] = extra
        for name, points in self.facts.series.items():
            out[name] = [{"date": d, "value": v} for d, v in points]
        return out

    # ---- one conclusion ----------------------------------------------------------------------
    def conclusion(self, code: str, producers: list[str], watched: frozenset) -> dict:
        # a conclusion none of whose rules (or their exceptions) fired is not established and
        # reads the same in every assessment of this KB and day: built once, shared (build()
        # swaps it for the shared entry that also says whether it is displayed)
        if self.r.firings.keys().isdisjoint(watched):
            found = self.static.quiet_conclusions.get(code)
            if found is None:
                cs = self.r.code(code)
                found = self.static.quiet_conclusions[code] = self._conclusion(code, cs, producers)
            return found
        return self._conclusion(code, self.r.code(code), producers)

    def _conclusion(self, code: str, cs, producers: list[str]) -> dict:
        rules, exceptions = [], {}
        states = [self.r.rule(rid) for rid in producers]
        # producers are in id order: a stable sort by status keeps that order within a status
        if len(states) > 1:
            states.sort(key=lambda st: _RANK[st.final])
        for st in states:
            rules.append(self.rule_entry(st.rule, st))
            for d, fin in st.weighed:
                exceptions[d] = self.static.exception(d, fin)
        entry: dict[str, Any] = dict(self.static.conclusion_head(code, self.kb))
        entry["status"] = cs.status
        entry["since"] = cs.since
        entry["unless"] = cs.unless
        entry["rules"] = rules
        entry["exceptions"] = [exceptions[k] for k in sorted(exceptions)]
        entry["questions"], entry["reviews"] = self.open_points(cs.opens) if cs.opens else ([], [])
        if cs.status in _WITH_OUTPUTS:
            entry.update(self.outputs(code, cs))
            action = entry.get("values", {}).get("action")
            if action is not None and self.kb.actions_done_fact:
                entry["done"] = action in (self.facts.known.get(self.kb.actions_done_fact) or [])
        return entry

    def open_points(self, opens: frozenset) -> tuple[list, list]:
        """(questions, reviews): what would decide a conclusion's open points, by fact and by
        rule. A fact computed from others is asked through those still unknown, and a possible
        set member comes with the members to confirm: both read the incident. Open points with
        neither read the same in every assessment: their lists are built once per set of open
        points and shared, read only."""
        memo = self.static.open_points
        found = memo.get(opens)
        if found is not None:
            return found
        once = self.static.once
        qs, rvs = {}, {}
        own = False                             # whether the lists read the incident
        for o in sorted(opens):                 # by kind, then ref
            if o.kind == "judgment":
                rvs[o.ref] = once(("r", o.ref), lambda: {
                    "rule": o.ref, "version": self.static.versions[o.ref]})
                continue
            own = own or o.kind == "possible" or bool(self.vocab.get(o.ref).derived_from)
            for ref in self._asked(o.ref):
                if o.kind == "possible" and ref == o.ref:
                    fdef = self.vocab.get(ref)
                    qs[ref] = {"fact": ref, "label": fdef.label, "question": fdef.question,
                               "confirm": self.facts.possible.get(ref, [])}
                else:
                    qs[ref] = once(("q", ref), lambda: self._question(ref))
        found = ([qs[k] for k in sorted(qs)], [rvs[k] for k in sorted(rvs)])
        if not own:
            keep(memo, opens, found, 4096)
        return found

    def _question(self, ref: str) -> dict:
        fdef = self.vocab.get(ref)
        return {"fact": ref, "label": fdef.label, "question": fdef.question}

    def _asked(self, name: str) -> list[str]:
        """A fact computed from others when the file is read (x-derived-from) is asked through
        them: the ones still unknown, else the first."""
        sources = self.vocab.get(name).derived_from
        if not sources:
            return [name]
        return [s for s in sources if s in self.facts.unknown] or [sources[0]]

    def _moot(self, c: dict) -> bool:
        """An open exception to rules that never fired changes nothing: do not show it or ask.

        (法26条2項ただし書 when there is no notice duty to begin with.)"""
        if c["status"] not in (UNDETERMINED, NEEDS_REVIEW):
            return False
        for rid in self.r.code(c["code"]).rules:
            targets = self.ckb.rules[rid].version.defeats
            if not targets or any(self.r.rule(t).raw != "F" for t in targets if t in self.ckb.rules):
                return False
        return True

    def rule_entry(self, rid: str, st) -> dict:
        """What this assessment says of one rule: its status, the facts it matched, the
        exceptions that defeated it. Its label, file and citations are in the `rules` table."""
        if st.final == "F" and not st.defeated_by and rid not in self.r.firings:
            found = self.static.quiet_rules.get(rid)    # never fired: the same entry every time
            if found is None:
                found = self.static.quiet_rules[rid] = self._rule_entry(rid, st)
            return found
        return self._rule_entry(rid, st)

    def _rule_entry(self, rid: str, st) -> dict:
        return {"id": rid, "version": self.static.versions[rid],
                "status": _final_word(st.final),
                "derivations": self.derivations(st) if st.final in ("T", "M", "X") else [],
                "defeated_by": st.defeated_by,
                "fired": st.fired}

    def derivations(self, st) -> list[dict]:
        """Each distinct derivation once, in content order (not the order alternatives are written).

        Within one assessment a derivation's text follows from its fact names, the conclusions
        it rests on, those it rests on not holding, and its dates (the facts' values are the
        incident's), so those, sorted, are its identity and its order."""
        memo = self._derivation_memo
        seen = {}
        for d in st.derivations:
            raw = d["key"]              # (facts, conclusions, dated), engine/resolve.py
            found = memo.get(raw)
            if found is None:
                key, concls, absent = self.static.derivation_shape(raw)
                out = {"facts": self.derivation_facts(raw[0]), "conclusions": concls,
                       "absent": absent}
                if raw[2]:
                    out["dated"] = d["dated"]
                found = memo[raw] = (key, out)
            seen.setdefault(found[0], found[1])
        if len(seen) == 1:                  # (most rules fire once)
            return list(seen.values())
        return [seen[k] for k in sorted(seen)]

    def derivation_facts(self, names: tuple) -> list[dict]:
        """The facts a derivation rests on, with the incident's values."""
        known = self.facts.known
        return [{"fact": name, "value": fact_display(self.facts, name) if name in known
                 else "unknown"} for name in names]

    def cite(self, c: Citation) -> dict:
        return _cite(c)

    # ---- values, deadlines, windows ---------------------------------------------------------
    def outputs(self, code: str, cs) -> dict:
        """Values, deadline, window and guidance from the rules that support the status.

        When the status is open and several rules could set the deadline (30 days, or 60 under
        the item-3 proviso), the earliest due date is shown, as the safe plan, with the others
        listed as alternatives together with the rule that would set each.
        """
        if cs.status not in (ESTABLISHED, UNDETERMINED, NEEDS_REVIEW):
            return {}
        if len(cs.rules) == 1:
            rid = cs.rules[0]
            if rid in self.static.fixed_outputs:
                return self.static.fixed_outputs[rid]
            if _reads_nothing(self.ckb.rules[rid].version.then):
                # values and guidance only, from parameters and constants: the same in every
                # assessment of this KB and day, written once and shared, read only
                return self.static.fixed_outputs.setdefault(rid, self._outputs(cs.rules))
        return self._outputs(cs.rules)

    def _outputs(self, rules: list[str]) -> dict:
        out: dict[str, Any] = {}
        deadlines, windows = [], []
        for rid in rules:
            then = self.ckb.rules[rid].version.then
            if "values" in then:
                vals = out.setdefault("values", {})
                for k, v in sorted(then["values"].items()):
                    vals[k] = self.value(v)
            if "guidance" in then:
                out.setdefault("guidance", then["guidance"])
            if "due_with" in then:
                out.setdefault("due_with", then["due_with"])
            if "deadline" in then:
                deadlines.append(self.deadline(then["deadline"], rid))
            if "window" in then:
                windows.append(self.window(then["window"], rid))
        for key, items, date_key in (("deadline", deadlines, "due"), ("window", windows, "from")):
            if not items:
                continue
            items.sort(key=lambda d: (d[date_key] is None, d[date_key] or "", d["rule"]))
            out[key] = items[0]
            if len(items) > 1:
                out[key + "_alternatives"] = items[1:]
        return out

    def value(self, v):
        if isinstance(v, dict) and "param" in v:
            return self.ckb.params[v["param"]]
        if isinstance(v, dict) and "fact" in v:
            name = v["fact"]
            if name in self.facts.text:
                return self.facts.text[name]
            return fact_display(self.facts, name) if name in self.facts.known else "unknown"
        return v

    def number(self, v) -> int:
        return self.ckb.params[v["param"]] if isinstance(v, dict) else v

    def date_expr(self, expr) -> tuple[_dt.date | None, list[str]]:
        """(date or None, unknown facts needed). None with no unknowns means 'no such date'."""
        if "fact" in expr:
            value = self.facts.date(expr["fact"])
            if value:
                return _dt.date.fromisoformat(value), []
            return None, [expr["fact"]]
        if "since" in expr:
            s = self.r.code(expr["since"]).since
            return (_dt.date.fromisoformat(s) if s else None), []
        key = "latest_of" if "latest_of" in expr else "earliest_of"
        parts = [self.date_expr(e) for e in expr[key]]
        missing = [m for _, ms in parts for m in ms]
        if missing:
            return None, missing
        dates = [d for d, _ in parts if d]
        if not dates:
            return None, []
        return (max(dates) if key == "latest_of" else min(dates)), []

    def _start(self, spec) -> tuple[_dt.date | None, list[dict]]:
        start, missing = self.date_expr(spec["start"])
        questions = [{"fact": m, "label": self.vocab.get(m).label, "question": self.vocab.get(m).question}
                     for m in sorted(set(missing))]
        return start, questions

    def spec_parameters(self, rid: str, kind: str, spec: dict, keys: tuple[str, ...]) -> list:
        """The parameters a rule's deadline or window reads, with their citations: they follow
        the rule and parameter versions in force, so they are written once per KB and day and
        shared, read only."""
        return self.static.once(("parameters", rid, kind), lambda: numbers.spec_parameters(
            self.kb, spec, keys, self.day, self.cite))

    def deadline(self, spec: dict, rid: str) -> dict:
        start, questions = self._start(spec)
        days = self.number(spec["days"])
        conv = self.ckb.params[spec["convention"]["param"]]
        out: dict[str, Any] = {"rule": rid, "days": days, "convention": spec["convention"]["param"],
                               "start": start.isoformat() if start else None, "due": None}
        out["parameters"] = self.spec_parameters(rid, "deadline", spec, ("days", "convention"))
        if start is None:
            out["questions"] = questions
            return out
        counted = count_days(start, days, conv)
        out["due"] = counted.day.isoformat()
        out["nominal"] = counted.nominal.isoformat()
        out["skipped"] = [{"date": d.isoformat(), "reason": why} for d, why in counted.skipped]
        out["start_source"] = numbers.start_source(spec["start"], lambda e: self.date_expr(e)[0])
        out["steps"] = numbers.deadline_steps(start, out["start_source"], days, conv, counted)
        return out

    def window(self, spec: dict, rid: str) -> dict:
        start, questions = self._start(spec)
        first, last = self.number(spec["from_day"]), self.number(spec["to_day"])
        conv = self.ckb.params[spec["convention"]["param"]]
        out: dict[str, Any] = {"rule": rid, "from_day": first, "to_day": last,
                               "start": start.isoformat() if start else None, "from": None, "to": None}
        out["parameters"] = self.spec_parameters(rid, "window", spec,
                                                 ("from_day", "to_day", "convention"))
        if start is not None:
            out["start_source"] = numbers.start_source(spec["start"], lambda e: self.date_expr(e)[0])
        if start is None:
            out["questions"] = questions
            return out
        a, b = window(start, first, last, conv)
        out["from"], out["to"] = a.isoformat(), b.isoformat()
        return out


def _reads_nothing(then: dict) -> bool:
    """Whether what a rule concludes reads nothing of the incident: no deadline or window (they
    count from its dates), no value taken from a fact."""
    return ("deadline" not in then and "window" not in then
            and not any(isinstance(v, dict) and "fact" in v
                        for v in (then.get("values") or {}).values()))


def _displayed(c: dict) -> bool:
    """Whether a person reading the assessment is shown this conclusion (explain shows all)."""
    show, status = c["show"], c["status"]
    if show == "always":
        return True
    if show == "when_holds":
        return status == ESTABLISHED
    if show == "when_relevant":
        return status in (ESTABLISHED, UNDETERMINED, NEEDS_REVIEW)
    if show == "when_reviewable":      # references: flag their judgments, never ask for facts
        return status in (ESTABLISHED, NEEDS_REVIEW)
    return False


_FINAL_WORDS = {"T": "holds", "M": "open", "X": "excluded", "F": "does_not_hold"}


def _final_word(final: str) -> str:
    return _FINAL_WORDS[final]
