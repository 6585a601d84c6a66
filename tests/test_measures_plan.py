"""The action plan (GL 3-5-2 measures): what a fixture's `expect` cannot state.

A fixture compares statuses and `values`, but not a conclusion's place in the output or its
`done` mark. These tests check both, from the KB's own conventions rather than from any legal
content: an action conclusion carries `values.phase` (a numbered phase) and its `order` is
phase * 100 + n; an action whose `values.action` the incident lists under the KB's
`actions_done_fact` is marked done, and no other is.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.assess import Engine
from engine.fixtures import load_fixture
from engine.paths import FIXTURES_DIR

PLAN_FIXTURES = ["se-46-response-phases-some-done", "se-42-ordinary-leak-five-measures",
                 "se-45-posted-online-takedown"]


def _phase_no(kb, value) -> int:
    if isinstance(value, dict) and "param" in value:
        value = next(pv.value for pv in kb.parameters[value["param"]].versions)
    return value["no"]


def test_every_phased_conclusion_sorts_by_its_phase(engine: Engine) -> None:
    kb = engine.kb
    phased = 0
    for rule in kb.rules.values():
        for v in rule.versions:
            phase = v.then.get("values", {}).get("phase")
            if phase is None:
                continue
            phased += 1
            code = v.then["conclude"]
            order = kb.conclusions[code].order
            assert order // 100 == _phase_no(kb, phase), (
                f"{v.file}:{v.line}: {code} has order {order} but phase {_phase_no(kb, phase)}; "
                "use order = phase * 100 + n")
    assert phased, "no action-plan conclusions found"


def _assess(engine: Engine, fid: str) -> tuple[dict, dict]:
    fx = load_fixture(Path(FIXTURES_DIR) / f"{fid}.yaml")
    return engine.assess(fx.incident, fx.as_of), fx.incident.data


@pytest.mark.parametrize("fid", PLAN_FIXTURES)
def test_plan_is_shown_in_phase_order(engine: Engine, fid: str) -> None:
    a, _ = _assess(engine, fid)
    phases = [c["values"]["phase"]["no"] for c in a["conclusions"]
              if c["displayed"] and "phase" in c.get("values", {})]
    assert len(set(phases)) >= 2, phases
    assert phases == sorted(phases), f"plan out of phase order: {phases}"


@pytest.mark.parametrize("fid", PLAN_FIXTURES)
def test_actions_taken_are_marked_done(engine: Engine, fid: str) -> None:
    a, incident = _assess(engine, fid)
    section, key = engine.kb.actions_done_fact.split(".")
    taken = set(incident.get(section, {}).get(key, []))
    actions = {c["values"]["action"]: c for c in a["conclusions"]
               if c["displayed"] and "action" in c.get("values", {})}
    done = {act for act, c in actions.items() if c.get("done")}
    assert done == taken & set(actions), f"done {sorted(done)}, taken {sorted(taken)}"
    assert set(actions) - done, "every action is marked done: the check would not notice a bug"


def test_se46_marks_exactly_the_steps_taken(engine: Engine) -> None:
    a, _ = _assess(engine, "se-46-response-phases-some-done")
    done = sorted(c["values"]["action"] for c in a["conclusions"] if c.get("done"))
    assert done == ["experts_consulted", "internal_report", "network_disconnected",
                    "response_hq", "system_stopped"]
