"""Derived day numbers (x-day-count in the incident schema): on which day, counted from another
date, a date fell. The schema says which dates and which number the first day has; the engine only
counts."""
from __future__ import annotations

from engine.facts import incident_facts
from engine.vocabulary import vocabulary
from engine.yamlio import Doc


def facts(entrustment: dict, dates: dict):
    return incident_facts(Doc("t.yaml", {"entrustment": entrustment, "dates": dates}, {}))


def test_the_day_is_declared_by_the_schema():
    fdef = vocabulary().facts["entrustment.notified_day"]
    assert fdef.kind == "number" and fdef.day_count == ("dates.learned", 1)
    assert fdef.question and fdef.question["ja"]


def test_day_of_learning_is_day_one():
    fs = facts({"notified_on": "2024-10-22"}, {"learned": "2024-10-22"})
    assert fs.known["entrustment.notified_day"] == 1
    fs = facts({"notified_on": "2025-01-10"}, {"learned": "2024-10-22"})
    assert fs.known["entrustment.notified_day"] == 81      # 80 days after learning


def test_unknown_when_either_date_is_unknown():
    for ent, dates in (({}, {"learned": "2024-10-22"}), ({"notified_on": "2024-10-23"}, {}),
                       ({"notified_on": "unknown"}, {"learned": "2024-10-22"})):
        fs = facts(ent, dates)
        assert "entrustment.notified_day" in fs.unknown
        assert {"t": "u", "n": "entrustment.notified_day"} in fs.durable
