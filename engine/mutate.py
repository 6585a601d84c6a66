"""Mutation testing: do the fixtures have teeth?

Each mutant changes one thing in the knowledge base, the way an editor's slip would:
  never      a rule version can no longer fire (its condition is joined with an impossible one)
  undefeat   an exception stops defeating the rules it names
  unjudge    a judgment is dropped, so the rule decides on its own
  param±1    a numeric parameter moves by one (off-by-one thresholds and day counts)
A mutant is *killed* when at least one fixture fails on it. A surviving mutant is a place where
the fixtures do not check the knowledge base: either a fixture is missing or an expectation is
too weak. Fixtures in which the mutated rule fires run first, so most mutants die quickly.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Iterator

from .assess import Engine
from .errors import EngineError, InputError
from .fixtures import Fixture, run_fixture
from .model import KB
from .vocabulary import vocabulary


def _impossible() -> dict:
    """A condition false for certain and for possibly: some fact is both known and not known."""
    name = next(n for n, f in sorted(vocabulary().facts.items())
                if f.kind in ("enum", "bool", "date", "number", "set"))
    test = {"fact": name, "is_known": True}
    return {"all": [test, {"not": test}]}


@dataclass
class Mutant:
    id: str            # e.g. never:reg7.item4@1, param+1:reg7.item4.threshold#1
    kind: str
    target: str
    file: str
    line: int | None
    kb: KB


@dataclass
class Outcome:
    mutant: Mutant
    killed_by: str | None          # fixture id, or "compile:<reason>" when the KB no longer builds
    tried: int


def _with_version(kb: KB, rid: str, index: int, **changes) -> KB:
    rule = kb.rules[rid]
    versions = list(rule.versions)
    versions[index] = dataclasses.replace(versions[index], **changes)
    rules = dict(kb.rules)
    rules[rid] = dataclasses.replace(rule, versions=versions)
    return dataclasses.replace(kb, rules=rules)


def _with_param(kb: KB, pid: str, index: int, value) -> KB:
    p = kb.parameters[pid]
    versions = list(p.versions)
    versions[index] = dataclasses.replace(versions[index], value=value)
    params = dict(kb.parameters)
    params[pid] = dataclasses.replace(p, versions=versions)
    return dataclasses.replace(kb, parameters=params)


def mutants(kb: KB) -> Iterator[Mutant]:
    for rid in sorted(kb.rules):
        for i, v in enumerate(kb.rules[rid].versions):
            never = {"all": [v.when, _impossible()]}
            yield Mutant(f"never:{v.ref}", "never", v.ref, v.file, v.line,
                         _with_version(kb, rid, i, when=never))
            if v.defeats:
                yield Mutant(f"undefeat:{v.ref}", "undefeat", v.ref, v.file, v.line,
                             _with_version(kb, rid, i, defeats=[]))
            if v.judgment:
                yield Mutant(f"unjudge:{v.ref}", "unjudge", v.ref, v.file, v.line,
                             _with_version(kb, rid, i, judgment=None))
    for pid in sorted(kb.parameters):
        p = kb.parameters[pid]
        for i, pv in enumerate(p.versions):
            if isinstance(pv.value, int) and not isinstance(pv.value, bool):
                for delta in (-1, 1):
                    yield Mutant(f"param{delta:+d}:{pid}#{i + 1}", f"param{delta:+d}", pid, p.file,
                                 pv.line, _with_param(kb, pid, i, pv.value + delta))


def subject(mutant_id: str) -> str:
    """The rule or parameter a mutant changes: never:reg7.item4@1 -> reg7.item4,
    param+1:reg7.item4.threshold#1 -> reg7.item4.threshold."""
    target = mutant_id.split(":", 1)[1]
    return target.split("@", 1)[0].split("#", 1)[0]


def run(kb: KB, fixtures: list[Fixture], fires_in: dict[str, list[str]] | None = None,
        progress: Callable[[Outcome], None] | None = None,
        select: Callable[[str], bool] | None = None) -> list[Outcome]:
    """Run every mutant (or those whose id `select` accepts) against the fixtures;
    `fires_in` (rule ref -> fixture ids) puts the fixtures most likely to kill a mutant first."""
    by_id = {fx.id: fx for fx in fixtures}
    outcomes = []
    for m in mutants(kb):
        if select and not select(m.id):
            continue
        first = [by_id[f] for f in (fires_in or {}).get(m.target, []) if f in by_id]
        order = first + [fx for fx in fixtures if fx not in first]
        engine = Engine(m.kb)
        killed, tried = None, 0
        try:
            for fx in order:
                tried += 1
                if not run_fixture(engine, fx).passed:
                    killed = fx.id
                    break
        except (InputError, EngineError) as exc:
            killed = f"compile:{str(exc).splitlines()[0][:120]}"
        finally:
            engine.close()
        out = Outcome(m, killed, tried)
        outcomes.append(out)
        if progress:
            progress(out)
    return outcomes
