"""The JSON Schemas themselves: each is a valid Draft 2020-12 schema (checked here, not at every
start of the command: issue 6.6), and our validator reads integers strictly."""
from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from conftest import ROOT
from engine.schemas import validator

SCHEMAS = sorted((ROOT / "schemas").glob("*.schema.json"))


def test_there_are_schemas():
    assert {p.name.split(".")[0] for p in SCHEMAS} >= {"rule", "kb", "incident", "fixture",
                                                       "assessment"}


@pytest.mark.parametrize("path", SCHEMAS, ids=[p.name for p in SCHEMAS])
def test_each_schema_is_valid_against_the_meta_schema(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("value,ok", [(1500, True), (0, True), (1500.0, False), (1.5e3, False),
                                      (True, False)])
def test_a_count_is_a_strict_integer(value, ok):
    errors = list(validator("incident").iter_errors({"affected": {"number": {"count": value}}}))
    assert (not errors) == ok, errors
