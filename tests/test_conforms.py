"""engine/conforms.py: the compiled yes/no check says "valid" exactly when jsonschema finds no
error — on every incident of the repository, on generated incidents and on broken copies of them
(a value swapped for another one's, removed, added, duplicated, mistyped). A document it calls
valid never reaches jsonschema, so a wrong "valid" would let bad input through in silence."""
from __future__ import annotations

import copy
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BAD, DATA, ROOT
from engine import schemas
from engine.conforms import compile_schema
from engine.errors import InputError
from engine.yamlio import load_yaml

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from incident_strategies import incidents  # noqa: E402

EXAMPLES = int(os.environ.get("APPI_KB_PROPERTY_EXAMPLES", "25"))
SETTINGS = settings(max_examples=EXAMPLES * 4, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def jsonschema_says(name: str, data) -> bool:
    return not any(True for _ in schemas.validator(name).iter_errors(data))


def agree(name: str, data) -> None:
    fast = schemas.conforms(name)
    assert fast is not None
    assert fast(data) == jsonschema_says(name, data), data


def test_the_incident_schema_is_compiled():
    # the path every `appi-kb assess` takes; None would mean jsonschema on every start
    assert schemas.conforms("incident") is not None


def _incident_files() -> list[Path]:
    found = [*ROOT.glob("examples/*.yaml"), *ROOT.glob("benchmarks/incidents/*.yaml"),
             *(DATA / "incidents").glob("*.yaml"), *(DATA / "person").glob("*.yaml"),
             *BAD.rglob("*.yaml")]
    return sorted(found)


def _fixture_incidents() -> list[tuple[str, object]]:
    out = []
    for path in sorted([*ROOT.glob("fixtures/**/*.yaml"), *(DATA / "fixtures").rglob("*.yaml")]):
        try:
            data = load_yaml(path).data
        except InputError:
            continue
        if isinstance(data, dict) and "incident" in data:
            out.append((str(path.relative_to(ROOT)), data["incident"]))
    return out


def test_every_incident_of_the_repository_gets_the_same_answer():
    seen = valid = 0
    for path in _incident_files():
        try:
            doc = load_yaml(path)
        except InputError:
            continue
        raw = copy.deepcopy(doc.data)
        agree("incident", raw)                       # as written
        try:
            from engine.incident_input import normalise
            normalise(doc)                           # as validate_doc sees it
        except InputError:
            continue
        agree("incident", doc.data)
        seen += 1
        valid += jsonschema_says("incident", doc.data)
    for _name, data in _fixture_incidents():
        agree("incident", data)
        seen += 1
        valid += jsonschema_says("incident", data)
    assert seen > 150 and 0 < valid < seen          # both answers were given, many times


@given(incidents())
@SETTINGS
def test_generated_incidents_are_valid_for_both(data):
    agree("incident", data)
    assert schemas.conforms("incident")(data)


# ---- broken copies of valid incidents ----------------------------------------------------------
JUNK = [None, True, False, 0, -1, 1, 1000, 1500.0, 1.5, "", "unknown", "x" * 300, "2024-02-30",
        "2024-04-01", "9999-12-20", "1899-12-31", "24-4-1", [], ["unknown"], ["a", "a"], [1, 1],
        [True, 1], {}, {"count": 1}, {"at_most": 10}, {"number": 5}, {"zz": 1}, {1: "a"}]


def _paths(value, here=()):
    yield here
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, here + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, here + (i,))


def _get(value, path):
    for p in path:
        value = value[p]
    return value


@st.composite
def broken(draw):
    data = draw(incidents())
    donor = draw(incidents())
    paths = list(_paths(data))
    path = draw(st.sampled_from(paths))
    # junk, or a value from another place of a valid incident (right shape, wrong place)
    other = [_get(donor, p) for p in _paths(donor)]
    new = copy.deepcopy(draw(st.sampled_from(JUNK + other)))
    how = draw(st.sampled_from(["replace", "delete", "add", "append", "duplicate"]))
    target = _get(data, path[:-1]) if path else None
    if how == "replace" and path:
        target[path[-1]] = new
    elif how == "delete" and path and isinstance(target, dict):
        del target[path[-1]]
    elif how == "add":
        holder = _get(data, path)
        if isinstance(holder, dict):
            holder[draw(st.sampled_from(["zz", "unknown", "count", "id", "kinds", 1]))] = new
    elif how == "append":
        holder = _get(data, path)
        if isinstance(holder, list):
            holder.append(new)
    elif how == "duplicate":
        holder = _get(data, path)
        if isinstance(holder, list) and holder:
            holder.append(copy.deepcopy(holder[0]))
    elif not path:
        data = new
    return data


@given(broken())
@SETTINGS
def test_broken_incidents_get_the_same_answer(data):
    agree("incident", data)


# ---- keyword by keyword, on small schemas -----------------------------------------------------
SMALL = {
    "type": {"type": ["integer", "null"]},
    "strict-integer": {"type": "integer"},
    "number": {"type": "number", "minimum": 1, "maximum": 9},
    "enum": {"enum": ["a", 1, None, True]},
    "const": {"const": False},
    "text": {"type": "string", "pattern": "^[a-z]+$", "minLength": 2, "maxLength": 3},
    "array": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2,
              "uniqueItems": True},
    "object": {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"],
               "additionalProperties": {"type": "string"}, "minProperties": 1,
               "maxProperties": 2},
    "closed": {"properties": {"a": {}}, "additionalProperties": False},
    "anyOf": {"anyOf": [{"type": "string"}, {"minimum": 3}]},
    "oneOf": {"oneOf": [{"type": "integer"}, {"minimum": 3}]},
    "allOf-not": {"allOf": [{"not": {"const": "x"}}, {"type": "string"}]},
    "if": {"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"type": "integer"}},
    "ref": {"$defs": {"d": {"type": "string", "format": "date"}}, "items": {"$ref": "#/$defs/d"}},
    "booleans": {"properties": {"yes": True, "no": False}},
}
VALUES = [None, True, False, 0, 1, 2, 3, 5, 10, 1.0, 2.5, "", "a", "ab", "abc", "abcd", "A1", "x",
          "2024-04-01", "2024-02-30", "9999-12-20", [], ["a"], ["a", "b"], ["a", "a"], ["a", 1],
          [1, True], ["2024-04-01"], ["2024-13-01"], {}, {"a": 1}, {"a": True}, {"a": 1, "b": "c"},
          {"a": 1, "b": 2}, {"a": 1, "b": "c", "d": "e"}, {"b": "c"}, {"yes": 1}, {"no": 1}]


@pytest.mark.parametrize("name", sorted(SMALL))
def test_each_keyword_means_what_jsonschema_means(name):
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **SMALL[name]}
    check = compile_schema(schema, schemas.FORMATS)
    assert check is not None
    reference = schemas._validator_class()(schema, format_checker=schemas._format_checker())
    for value in VALUES:
        assert check(value) == reference.is_valid(value), (name, value)


@pytest.mark.parametrize("schema", [{"patternProperties": {"^a": {}}}, {"multipleOf": 2},
                                    {"$ref": "other.schema.json"}, {"format": "uri"},
                                    {"properties": {"a": {"dependentRequired": {}}}}])
def test_a_keyword_not_compiled_leaves_the_schema_to_jsonschema(schema):
    assert compile_schema(schema, schemas.FORMATS) is None
