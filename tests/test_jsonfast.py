"""engine/jsonfast.py writes exactly what json.dumps(sort_keys=True, ensure_ascii=False, indent=2)
writes: on real assessments and on the values JSON makes tricky."""
from __future__ import annotations

import json

import pytest

from engine.jsonfast import dumps_indented


def reference(obj) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=2)


@pytest.mark.parametrize("obj", [
    {}, [], "", 0, -1, 10 ** 30, 1.5, 1e-300, 1e300, float("nan"), float("inf"), float("-inf"),
    True, False, None, "日本語\n\t\"\\\u0000\u001f\u2028", {"b": 1, "a": [1, {"d": [], "c": {}}]},
    [[[]], [{}], ({"x": (1, 2)},)], {"ключ": "значение", "": ""}, {"a": {"b": {"c": {"d": [None]}}}},
])
def test_same_bytes_as_json(obj) -> None:
    assert dumps_indented(obj) == reference(obj)


def test_values_json_converts_fall_back_to_json() -> None:
    for obj in ({1: "int key"}, {True: 1}, {"a": {2.5: "x"}}):
        assert dumps_indented(obj) == reference(obj)


def test_same_bytes_on_assessments(assess) -> None:
    for name in ("card_leak", "open_questions", "entrustee_notified"):
        doc = assess(name)
        assert dumps_indented(doc) == reference(doc)
