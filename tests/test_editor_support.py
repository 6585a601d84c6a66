"""Editor support (issue 8 item 9): a yaml-language-server modeline in every rule file, fixture and
example; editor schemas whose enums of fact names, conclusion codes and parameter ids are
generated from the KB (`appi-kb schemas`) and current; the fixture schema's incident part is the
incident schema."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from conftest import ROOT
from engine import editor_schemas as ed
from engine.kbload import load_kb
from engine.yamlio import load_yaml

EDITOR = ROOT / "schemas" / "editor"


def _validator(schema_path: Path) -> Draft202012Validator:
    """The schema as an editor loads it: from disk, relative $refs resolved next to it."""
    def retrieve(uri: str) -> Resource:
        return Resource.from_contents(json.loads(Path(unquote(urlparse(uri).path)).read_text(encoding="utf-8")))
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(dict(schema, **{"$id": schema_path.as_uri()}),
                                registry=Registry(retrieve=retrieve))


def _data(path: Path):
    return load_yaml(path, str(path)).data


def test_the_checked_in_editor_schemas_and_modelines_are_current(run):
    r = run("schemas", "--check")
    assert r.code == 0, r.stderr
    assert r.stdout == "schemas and modelines are current\n"


def test_every_rule_fixture_and_example_starts_with_its_modeline():
    files = ed.modeline_files(ROOT)
    assert len(files) > 200
    for path in files:
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        assert first.startswith(ed.MODELINE), path
        target = (path.parent / first[len(ed.MODELINE):]).resolve()
        assert target.is_file(), (path, target)
        expected = {"rules": "rule.schema.json", "fixtures": "fixture.schema.json",
                    "examples": "incident.schema.json"}[path.relative_to(ROOT).parts[0]]
        if path.name == "kb.yaml":
            expected = "kb.schema.json"
        if path.relative_to(ROOT).parts[:2] == ("rules", "drafts"):
            expected = "draft.schema.json"          # a draft template is not a rule file
        if path.relative_to(ROOT).parts[:2] == ("rules", "pending"):
            expected = "pending.schema.json"        # a coming change is not a rule file
        assert target.name == expected, (path, target)


def test_editor_schemas_accept_every_file_of_the_project():
    rule = _validator(EDITOR / "rule.schema.json")
    fixture = _validator(EDITOR / "fixture.schema.json")
    draft = _validator(ROOT / "schemas" / "draft.schema.json")
    pending = _validator(ROOT / "schemas" / "pending.schema.json")
    for path in sorted((ROOT / "rules").rglob("*.yaml")):
        if path.name != "kb.yaml":
            folder = path.relative_to(ROOT).parts[:2]
            check = draft if folder == ("rules", "drafts") else pending if folder == ("rules", "pending") else rule
            errors = list(check.iter_errors(_data(path)))
            assert not errors, (path, errors[0].message)
    for path in sorted((ROOT / "fixtures").rglob("*.yaml")):
        errors = list(fixture.iter_errors(_data(path)))
        assert not errors, (path, errors[0].message)


def _rule_file_with(conclusion: str) -> dict:
    data = _data(ROOT / "rules" / "regulation" / "appi-rules" / "art07.yaml")
    data["rules"][-1]["versions"][0]["when"] = {"any": [{"conclusion": conclusion}]}
    return data


@pytest.mark.parametrize("slot,value,words", [
    ("conclusion", "reg7.itme4", "reg7.itme4"),
])
def test_the_editor_rule_schema_rejects_an_unknown_name(slot, value, words):
    errors = list(_validator(EDITOR / "rule.schema.json").iter_errors(_rule_file_with(value)))
    assert errors and any(words in e.message for e in errors)
    assert not list(_validator(EDITOR / "rule.schema.json").iter_errors(_rule_file_with("reg7.item4")))


def test_the_editor_schema_lists_the_kbs_names():
    schema = json.loads((EDITOR / "rule.schema.json").read_text(encoding="utf-8"))
    kb = load_kb()
    assert schema["$defs"]["conclusion_code"]["enum"] == sorted(kb.conclusions)
    assert schema["$defs"]["parameter_id"]["enum"] == sorted(kb.parameters)
    assert "affected.number_max" in schema["$defs"]["fact_name"]["enum"]
    assert "$id" not in schema            # relative references resolve next to the file


def test_the_editor_fixture_schema_checks_expectations_and_the_incident():
    v = _validator(EDITOR / "fixture.schema.json")
    good = _data(ROOT / "tests" / "data" / "fixtures" / "pass" / "card-leak.yaml")
    assert not list(v.iter_errors(good))
    typo = json.loads(json.dumps(good, default=str))
    typo["expect"]["conclusions"] = {"report_dutty": "established"}
    assert any("report_dutty" in e.message for e in v.iter_errors(typo))
    bad_incident = json.loads(json.dumps(good, default=str))
    bad_incident["incident"]["affected"] = {"numbr": 5}
    assert any("numbr" in e.message for e in v.iter_errors(bad_incident))


def test_the_fixture_schema_references_the_incident_schema(tmp_path, run):
    schema = json.loads((ROOT / "schemas" / "fixture.schema.json").read_text(encoding="utf-8"))
    assert schema["properties"]["incident"]["$ref"] == "incident.schema.json"
    fx = tmp_path / "fx.yaml"
    fx.write_text("$schema: ../schemas/fixture.schema.json\nid: t-x\ntitle: {ja: x, en: x}\n"
                  "source: {seed_example: SE-05}\nincident:\n  affected: {numbr: 5}\n"
                  "expect:\n  conclusions: {report_duty: established}\n", encoding="utf-8")
    r = run("validate", fx)
    assert r.code == 2
    assert f"{fx}:6: unknown key 'numbr' in incident.affected — did you mean 'number'?" in r.stderr


def test_a_new_conclusion_makes_the_editor_schemas_stale(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "guideline" / "new-unit.yaml").write_text(
        "$schema: ../../schemas/rule.schema.json\n"
        "unit: {id: test.new-unit, title: {ja: 新, en: new}, source_type: guideline}\n"
        "conclusions:\n  - {code: test.new_finding, label: {ja: 新, en: new}, section: event}\n"
        "rules:\n  - id: test.new-finding\n    label: {ja: 新, en: new}\n    versions:\n"
        "      - version: 1\n        valid_from: 2022-04-01\n"
        "        citations: [{type: seed_example, seed_example: SE-01, quote: 新, status: unverified}]\n"
        "        when: {fact: event.status, includes: occurred}\n"
        "        then: {conclude: test.new_finding}\n", encoding="utf-8")
    kb = load_kb(rules)
    assert sorted(ed.stale(kb)) == ["schemas/editor/fixture.schema.json",
                                    "schemas/editor/rule.schema.json"]
    schemas = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", schemas)
    ed.write(kb, schemas)
    assert ed.stale(kb, schemas) == []


def test_modelines_are_added_and_corrected(tmp_path):
    (tmp_path / "schemas" / "editor").mkdir(parents=True)
    for name in ("rule", "fixture", "incident", "kb"):
        (tmp_path / "schemas" / f"{name}.schema.json").write_text("{}", encoding="utf-8")
    (tmp_path / "rules" / "law").mkdir(parents=True)
    new = tmp_path / "rules" / "law" / "new.yaml"
    new.write_text("$schema: ../../schemas/rule.schema.json\nunit: {}\n", encoding="utf-8")
    (tmp_path / "examples").mkdir()
    old = tmp_path / "examples" / "x.yaml"
    old.write_text(ed.MODELINE + "../schemas/wrong.json\nincident: {}\n", encoding="utf-8")
    assert {p.name for p, _ in ed.modeline_problems(tmp_path)} == {"new.yaml", "x.yaml"}
    ed.fix_modelines(tmp_path)
    assert new.read_text(encoding="utf-8").startswith(
        ed.MODELINE + "../../schemas/editor/rule.schema.json\n$schema:")
    assert old.read_text(encoding="utf-8") == ed.MODELINE + "../schemas/incident.schema.json\nincident: {}\n"
    assert ed.modeline_problems(tmp_path) == []
