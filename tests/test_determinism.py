"""Same law, same facts -> byte-identical assessment, whatever order either is written in.

The issue's order-permutation proof. The real knowledge base is copied into tmp_path several
times with the rules, parameters and conclusions of every file and the keys of every mapping
shuffled (several seeds); a few incidents are copied with their mapping keys and lists shuffled.
Every combination is assessed and the JSON (`json.dumps(..., sort_keys=True,
ensure_ascii=False)`) must be the same bytes, receipt and `rules_sha256` included.

One thing legitimately moves when a file is reordered: the line a rule starts on. Each rule entry
in an assessment names its `file` and `line`; across knowledge-base copies these are checked
against the copy itself (an independent YAML parse must find that rule's version on that line)
and then replaced by the file's path inside the KB. Across incident orders nothing is replaced.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import random
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.assess import Engine
from engine.kbload import MANIFEST, load_kb
from engine.paths import PROJECT_ROOT, RULES_DIR
from engine.schemas import validate_doc
from engine.yamlio import Doc, load_yaml, parse_yaml

if str(Path(__file__).resolve().parent) not in sys.path:    # any pytest import mode, package or not
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers  # noqa: E402

INCIDENTS = sorted((Path(__file__).parent.parent / "benchmarks" / "incidents").glob("*.yaml"))
KB_SEEDS = [11, 22, 33]
INCIDENT_SEEDS = [101, 202, 303]
DATES = [None, _dt.date(2023, 6, 1)]     # the date the incident implies, and a fixed earlier one


def _canonical(assessment: dict) -> str:
    return json.dumps(assessment, sort_keys=True, ensure_ascii=False)


def _shuffled_keys(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: _shuffled_keys(value[k], rng) for k in keys}
    if isinstance(value, list):
        return [_shuffled_keys(v, rng) for v in value]
    return value


def _permuted_kb(dst: Path, seed: int) -> Path:
    """A copy of rules/ with every file's rules, parameters, conclusions and keys reordered."""
    rng = random.Random(seed)
    for src in sorted(RULES_DIR.rglob("*.yaml")):
        data = load_yaml(src).data
        if src.name != MANIFEST:
            for key in ("rules", "parameters", "conclusions"):
                if key in data:
                    rng.shuffle(data[key])
        target = dst / src.relative_to(RULES_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(helpers.dump(_shuffled_keys(data, rng)), encoding="utf-8")
    if (RULES_DIR / "kb.lock.json").is_file():      # the release lock: the same release, reordered
        shutil.copyfile(RULES_DIR / "kb.lock.json", dst / "kb.lock.json")
    return dst


def _shuffled_incident(value: Any, rng: random.Random, key: str = "") -> Any:
    """Keys and lists reordered; a dated history keeps its order (it must be chronological)."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: _shuffled_incident(value[k], rng, k) for k in keys}
    if isinstance(value, list):
        items = [_shuffled_incident(v, rng) for v in value]
        if key != "history":
            rng.shuffle(items)
        return items
    return value


def _incident_doc(data: dict) -> Doc:
    # every copy is shown under one name, as if the same file had been edited in place
    doc = parse_yaml(helpers.dump(data), "incident.yaml")
    validate_doc(doc, "incident")
    return doc


def _incident_variants(path: Path) -> list[Doc]:
    original = load_yaml(path).data
    docs = [_incident_doc(original)]
    for seed in INCIDENT_SEEDS:
        docs.append(_incident_doc(_shuffled_incident(original, random.Random(seed))))
    texts = {helpers.dump(d.data) for d in docs}
    assert len(texts) == len(docs), f"{path.name}: the shuffles did not reorder anything"
    return docs


def _version_line(path: Path, rule_id: str, version: int) -> int:
    """Where version `version` of rule `rule_id` starts in `path`, by PyYAML's own composer."""
    lines = _version_lines(str(path))
    assert (rule_id, version) in lines, f"{path}: no version {version} of rule {rule_id}"
    return lines[(rule_id, version)]


@lru_cache(maxsize=None)
def _version_lines(path: str) -> dict[tuple[str, int], int]:
    root = yaml.compose(Path(path).read_text(encoding="utf-8"))
    top = {k.value: v for k, v in root.value}
    out = {}
    for rule_node in top["rules"].value if "rules" in top else []:
        fields = {k.value: v for k, v in rule_node.value}
        for version_node in fields["versions"].value:
            vfields = {k.value: v for k, v in version_node.value}
            out[(fields["id"].value, int(vfields["version"].value))] = version_node.start_mark.line + 1
    return out


def _relocated(assessment: dict, rules_root: Path) -> dict:
    """Check every rule's file:line against the KB copy, then make it copy-independent."""
    out = json.loads(json.dumps(assessment))
    root = rules_root.resolve()
    # the receipt names the folder the KB was read from: check it, then make it copy-independent
    shown = Path(out["receipt"]["kb_dir"])
    assert (shown if shown.is_absolute() else Path.cwd() / shown).resolve() == root
    out["receipt"]["kb_dir"] = "checked"
    for rid, node in out.get("rules", {}).items():     # the rules table is keyed by rule id
        node["id"] = rid

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "line" in node:
                assert {"file", "id", "version"} <= set(node), f"unexpected location field: {node}"
                shown = Path(node["file"])
                path = (shown if shown.is_absolute() else PROJECT_ROOT / shown).resolve()
                assert node["line"] == _version_line(path, node["id"], node["version"]), node["id"]
                node["file"] = path.relative_to(root).as_posix()
                node["line"] = "checked"
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(out)
    return out


@pytest.fixture(scope="module")
def kb_copies(tmp_path_factory) -> list[tuple[str, Path, Engine]]:
    copies = [("original", RULES_DIR, Engine(load_kb(RULES_DIR)))]
    original_ids = [r for p in sorted(RULES_DIR.rglob("*.yaml")) if p.name != MANIFEST
                    for r in (x["id"] for x in load_yaml(p).data.get("rules", []))]
    for seed in KB_SEEDS:
        root = _permuted_kb(tmp_path_factory.mktemp(f"kb-{seed}") / "rules", seed)
        ids = [r for p in sorted(root.rglob("*.yaml")) if p.name != MANIFEST
               for r in (x["id"] for x in load_yaml(p).data.get("rules", []))]
        assert sorted(ids) == sorted(original_ids) and ids != original_ids, "not a permutation"
        copies.append((f"seed {seed}", root, Engine(load_kb(root))))
    return copies


def test_incidents_to_permute_exist() -> None:
    assert len(INCIDENTS) >= 3, "benchmarks/incidents/ holds the incidents this proof permutes"


@pytest.mark.parametrize("incident", INCIDENTS, ids=[p.stem for p in INCIDENTS])
@pytest.mark.parametrize("as_of", DATES, ids=["own-date", "2023-06-01"])
def test_assessment_is_byte_identical_under_rule_and_fact_permutations(kb_copies, incident: Path,
                                                                       as_of) -> None:
    variants = _incident_variants(incident)
    expected: str | None = None
    for label, root, engine in kb_copies:
        outputs = {_canonical(engine.assess(doc, as_of)) for doc in variants}
        # one KB copy: any order of the incident gives the very same bytes, locations included
        assert len(outputs) == 1, f"{label}: fact order changed the assessment"
        (output,) = outputs
        relocated = _canonical(_relocated(json.loads(output), root))
        if expected is None:
            expected = relocated
        assert relocated == expected, f"{label}: rule order changed the assessment"


def test_rules_sha256_is_the_same_for_every_permuted_copy(kb_copies) -> None:
    hashes = {engine.kb.files_hash for _label, _root, engine in kb_copies}
    assert len(hashes) == 1
    receipt = kb_copies[1][2].assess(_incident_doc(load_yaml(INCIDENTS[0]).data))["receipt"]
    assert receipt["rules_sha256"] == kb_copies[0][2].kb.files_hash


def _first_rule_file(root: Path) -> Path:
    return next(p for p in sorted(root.rglob("*.yaml"))
                if p.name != MANIFEST and "rules" in load_yaml(p).data)


def test_changing_one_quote_changes_rules_sha256(tmp_path: Path) -> None:
    root = _permuted_kb(tmp_path / "rules", seed=7)
    before = load_kb(root).files_hash
    path = _first_rule_file(root)
    data = load_yaml(path).data
    data["rules"][0]["versions"][0]["citations"][0]["quote"] += "。"     # one character
    path.write_text(helpers.dump(data), encoding="utf-8")
    kb = load_kb(root)
    assert kb.files_hash != before
    assessment = Engine(kb).assess(_incident_doc(load_yaml(INCIDENTS[0]).data))
    assert assessment["receipt"]["rules_sha256"] == kb.files_hash


def test_a_comment_does_not_change_rules_sha256(tmp_path: Path) -> None:
    # comments are not law: re-wording one must not make an auditor think the KB changed
    root = _permuted_kb(tmp_path / "rules", seed=7)
    before = load_kb(root).files_hash
    path = _first_rule_file(root)
    path.write_text("# an editor's note\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_kb(root).files_hash == before


def _shuffled_conditions(value: Any, rng: random.Random, key: str = "") -> Any:
    """The order inside all/any and of a rule's versions: meaningless to the law."""
    if isinstance(value, dict):
        return {k: _shuffled_conditions(v, rng, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_shuffled_conditions(v, rng) for v in value]
        if key in ("all", "any", "versions"):
            rng.shuffle(items)
        return items
    return value


def test_order_inside_conditions_does_not_change_conclusions(tmp_path: Path) -> None:
    root = tmp_path / "rules"
    rng = random.Random(5)
    for src in sorted(RULES_DIR.rglob("*.yaml")):
        target = root / src.relative_to(RULES_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = load_yaml(src).data
        if src.name != MANIFEST:
            data = _shuffled_conditions(data, rng)
        target.write_text(helpers.dump(data), encoding="utf-8")
    shuffled, original = Engine(load_kb(root)), Engine(load_kb(RULES_DIR))

    def comparable(assessment: dict, rules_root: Path) -> str:
        out = _relocated(assessment, rules_root)
        del out["receipt"]["rules_sha256"]    # the text changed, so the content hash may too
        del out["receipt"]["files"]           # (and each file's)
        del out["receipt"]["lock"]            # (this copy has no release lock)
        # a rule's derivations are listed in the order its alternatives are written (one per
        # alternative that held), so reading like the rule; as a set they must not change
        for c in out["conclusions"]:
            for r in c["rules"]:
                r["derivations"].sort(key=_canonical)
        return _canonical(out)

    for path in INCIDENTS:
        doc = _incident_doc(load_yaml(path).data)
        for as_of in DATES:
            assert comparable(shuffled.assess(doc, as_of), root) == \
                comparable(original.assess(doc, as_of), RULES_DIR), path.name


_PROBE = """
import json, sys
from pathlib import Path
from engine.assess import Engine
from engine.schemas import validate_doc
from engine.yamlio import load_yaml
engine = Engine()
for name in sys.argv[1:]:
    doc = load_yaml(Path(name))
    validate_doc(doc, "incident")
    print(json.dumps(engine.assess(doc), sort_keys=True, ensure_ascii=False))
"""


def test_assessment_does_not_depend_on_the_interpreters_hash_seed() -> None:
    # set and dict-of-set iteration order changes with PYTHONHASHSEED from one process to the
    # next; nothing of it may reach the output
    outputs = set()
    for seed in ("0", "1", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        result = subprocess.run([sys.executable, "-c", _PROBE, *map(str, INCIDENTS)],
                                capture_output=True, text=True, env=env, cwd=PROJECT_ROOT,
                                timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        assert len(result.stdout.splitlines()) == len(INCIDENTS)
        outputs.add(result.stdout)
    assert len(outputs) == 1
