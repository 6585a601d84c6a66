"""Edits that contradict themselves, and mistakes that cause others, as an editor makes them.

Each case is a small bad knowledge base under tests/bad_kb_contradictions/ (a directory when the
mistake needs two files), loaded with a copy of the real manifest, the line the root error must
point at marked `# <-- error` (as in test_kb_errors.py). The issue-8 "Why" cases are also
reproduced on a copy of the real knowledge base where they are about it.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from engine.errors import InputError, InputErrors
from engine.kbload import load_kb
from engine.paths import RULES_DIR

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers  # noqa: E402

CASES_DIR = Path(__file__).parent / "bad_kb_contradictions"
MARKER = "# <-- error"


def _files(name: str) -> list[Path]:
    target = CASES_DIR / name
    return sorted(target.glob("*.yaml")) if target.is_dir() else [CASES_DIR / f"{name}.yaml"]


def _marked(name: str) -> tuple[str, int]:
    marks = [(p.name, i) for p in _files(name)
             for i, text in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
             if MARKER in text]
    assert len(marks) == 1, marks
    return marks[0]


def _load(tmp_path: Path, name: str) -> list[InputError]:
    rules = helpers.new_kb(tmp_path, {p.name: p.read_text(encoding="utf-8") for p in _files(name)})
    with pytest.raises(InputError) as caught:
        load_kb(rules)
    err = caught.value
    return err.errors if isinstance(err, InputErrors) else [err]


def _one_root(tmp_path: Path, name: str, *words: str) -> InputError:
    errors = _load(tmp_path, name)
    assert len(errors) == 1, "\n".join(ln for e in errors for ln in e.lines())
    (err,) = errors
    file, line = _marked(name)
    assert Path(err.file).name == file and err.line == line, (str(err), file, line)
    for w in words:
        assert w in str(err), (w, str(err))
    assert err.hint
    return err


# ---- root causes first -----------------------------------------------------------------------
def test_a_file_that_fails_to_load_carries_the_errors_that_follow_from_it(tmp_path):
    root = _one_root(tmp_path, "root_cause", "missing required key 'citations'",
                     "2 more error(s) follow from this one")
    follow = [(Path(f.file).name, f.about) for f in root.followups]
    assert follow == [("b_uses.yaml", "test.threshold"), ("b_uses.yaml", "test.base")]
    # the knock-on no longer guesses a wrong name: it says where the name is and why it is missing
    assert all("a_defines.yaml, which did not load" in f.hint for f in root.followups)
    assert root.lines()[1].startswith("    ↳ ")


def _drop_citations_of_a_parameter_version(rules: Path, pid: str) -> str:
    """Remove `citations:` (the key and its list) from the first version of parameter `pid`."""
    for path in sorted(rules.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8").splitlines(keepends=True)
        starts = [i for i, ln in enumerate(text) if ln.strip() == f"- id: {pid}"]
        if not starts:
            continue
        key = next(i for i in range(starts[0], len(text)) if text[i].strip() == "citations:")
        indent = len(text[key]) - len(text[key].lstrip())
        end = key + 1
        while end < len(text) and len(text[end]) - len(text[end].lstrip()) > indent:
            end += 1
        path.write_text("".join(text[:key] + text[end:]), encoding="utf-8")
        return path.relative_to(rules).as_posix()
    raise AssertionError(f"no parameter {pid} in the KB")


def test_one_mistake_in_the_real_kb_is_one_error_with_its_knock_ons_under_it(tmp_path, run):
    """Issue 8: removing `citations:` from one parameter version reported 52 errors, the real
    one 38th. Now the real one is the only root, and validate prints it first."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    rel = _drop_citations_of_a_parameter_version(rules, "reg7.item4.threshold")
    with pytest.raises(InputError) as caught:
        load_kb(rules)
    errors = caught.value.errors if isinstance(caught.value, InputErrors) else [caught.value]
    assert len(errors) == 1, "\n".join(map(str, errors))
    assert errors[0].file.endswith(rel) and "missing required key 'citations'" in errors[0].message
    r = run("validate", "--quiet", rules / "kb.yaml")
    assert r.code == 2
    lines = r.stderr.splitlines()
    assert rel in lines[0] and "missing required key 'citations'" in lines[0]
    assert all(ln.startswith("    ↳ ") for ln in lines[1:]) and len(lines) > 1
    assert f"1 error(s) (and {len(lines) - 1} that follow from them)" in r.stdout


def test_validate_counts_knock_ons_apart(run, tmp_path):
    rules = helpers.new_kb(tmp_path, {p.name: p.read_text(encoding="utf-8")
                                      for p in _files("root_cause")})
    r = run("validate", "-q", rules / "kb.yaml")
    assert r.code == 2
    assert "1 error(s) (and 2 that follow from them)" in r.stdout
    assert len(r.stderr.splitlines()) == 3


# ---- one small bad file per contradiction -------------------------------------------------------
ONE_ERROR = {
    # a new member of a group that the group's reader ignores (a new 号 that reportable ignores)
    "group_member_not_read": (("test.item3", "group test.items", "test.reportable",
                               "does not read conclusion 'test.item3'"),
                              ("- conclusion: test.item3",)),
    # a hand list that names some members of a group and forgets the rest
    "group_partial_defeat": (("defeats 2 of the 3 rules of group test.items", "not test.item3"),
                             ("{group: test.items}",)),
    "group_unknown": (("unknown group 'test.itemz'",), ("did you mean 'test.items'?",)),
    "group_empty": (("group 'test.items' has no member",), ("id_prefix",)),
    # value constraints on parameters
    "param_negative": (("test.threshold", "-5", "at least 0"), ("人",)),
    "param_unconstrained": (("test.threshold", "is a number but nothing says which numbers"),
                            ("constraints:", "unit:")),
    "param_above_maximum": (("test.threshold", "100000", "at most 10000"), ("constraints",)),
    "param_type_changes": (("test.threshold", "text", "version 1 is a number"), ("same kind",)),
    # labels that do not follow the parameter they describe
    "label_stale": (("label of conclusion 'test.many' says 1,000", "test.threshold is 500 from 2027-04-01"),
                    ("{param:test.threshold}", "labels:")),
    "label_unknown_param": (("unknown parameter 'test.threshhold' in a label",),
                            ("did you mean 'test.threshold'?",)),
}


@pytest.mark.parametrize("name", sorted(ONE_ERROR))
def test_each_contradiction_is_one_error_at_its_line(tmp_path, name):
    words, hint = ONE_ERROR[name]
    err = _one_root(tmp_path, name, *words)
    for w in hint:
        assert w in err.hint, (w, err.hint)
    assert "\n" not in str(err)


def test_cases_on_disk_are_all_tested():
    tested = {"root_cause"} | set(ONE_ERROR)
    on_disk = {p.stem if p.is_file() else p.name for p in CASES_DIR.iterdir()}
    assert on_disk == tested, on_disk ^ tested




# ---- the "Why" cases, on a copy of the real knowledge base --------------------------------
ART7 = Path("regulation/appi-rules/art07.yaml")
ITEM5_CONCLUSION = """\
  - code: reg7.item5
    label: {ja: 規則7条5号（仮の新しい号）, en: "Rules art. 7(5): a new item (made up)"}
    section: report
    order: 15
"""
ITEM5_RULE = """\

  - id: reg7.item5
    label: {ja: 規則7条5号（仮）, en: "Rules art. 7(5) (made up)"}
    versions:
      - version: 1
        valid_from: 2022-04-01
        citations:
          - {type: seed_example, seed_example: SE-01, quote: 仮の新しい号, status: unverified}
        when:
          all:
            - conclusion: reg7.personal_data_event
            - fact: affected.number_max
              greater_than: 10
        then:
          conclude: reg7.item5
"""


def _real_kb(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    return rules


def _add_item5(rules: Path, read_by_reportable: bool) -> None:
    path = rules / ART7
    text = path.read_text(encoding="utf-8")
    text = text.replace("conclusions:\n", "conclusions:\n" + ITEM5_CONCLUSION, 1)
    if read_by_reportable:
        head, tail = text.split("conclude: reg7.reportable", 1)
        lines = head.splitlines(keepends=True)
        last = max(i for i, ln in enumerate(lines) if ln.strip() == "- conclusion: reg7.item4")
        lines.insert(last + 1, lines[last].replace("reg7.item4", "reg7.item5"))
        text = "".join(lines) + "conclude: reg7.reportable" + tail
    path.write_text(text.rstrip("\n") + "\n" + ITEM5_RULE, encoding="utf-8")


def _incident(tmp_path: Path, **data) -> Path:
    body = {"business": {"sector": "private", "role": "own"},
            "event": {"kinds": ["leak"], "status": "occurred"},
            "data": {"status": "personal_data", "items": ["name"], "encryption": "none"},
            "affected": {"number": 50},
            "dates": {"occurred": "2024-05-01", "learned": "2024-05-02"}}
    for key, value in data.items():
        body[key] = {**body.get(key, {}), **value}
    path = tmp_path / "incident.yaml"
    path.write_text(helpers.dump(body), encoding="utf-8")
    return path


def test_a_new_item_that_reportable_ignores_fails_validate(tmp_path, run):
    """Issue 8: a new 規則7条5号 rule alone passed validate, and the output said 「報告義務はない」
    above 「規則7条5号：該当」."""
    rules = _real_kb(tmp_path)
    _add_item5(rules, read_by_reportable=False)
    r = run("validate", "-q", rules / "kb.yaml")
    assert r.code == 2
    (line,) = r.stderr.splitlines()
    assert f"{ART7.as_posix()}:" in line
    assert "reg7.item5 is one of group reg7.items" in line and "reg7.reportable" in line
    assert "add '- conclusion: reg7.item5'" in line


def test_a_new_item_is_defeated_by_the_encryption_exclusion_without_a_hand_list(tmp_path, run):
    """Issue 8: added to reg7.reportable but not to the exclusion's `defeats`, the output said
    「報告義務：あり」 beside 「規則7条の対象外：該当」. The exclusion defeats the group."""
    rules = _real_kb(tmp_path)
    _add_item5(rules, read_by_reportable=True)
    kb = load_kb(rules)
    assert "reg7.item5" in kb.groups["reg7.items"].members
    assert "reg7.item5" in kb.rules["reg7.encryption-exclusion"].versions[0].defeats
    from engine.assess import Engine, load_incident
    engine = Engine(kb)
    plain = engine.assess(load_incident(_incident(tmp_path)))
    status = {c["code"]: c["status"] for c in plain["conclusions"]}
    assert status["reg7.item5"] == "established" and status["report_duty"] == "established"
    hidden = engine.assess(load_incident(_incident(
        tmp_path, data={"encryption": "high_grade", "key_compromised": False})))
    status = {c["code"]: c["status"] for c in hidden["conclusions"]}
    assert status["reg7.encryption_exclusion"] == "established"
    assert status["reg7.item5"] == "excluded"
    assert status["report_duty"] != "established"


def test_a_negative_threshold_fails_validate(tmp_path, run):
    rules = _real_kb(tmp_path)
    path = rules / ART7
    text = path.read_text(encoding="utf-8")
    head, tail = text.split("- id: reg7.item4.threshold", 1)
    tail = tail.replace("value: 1000", "value: -1000", 1)
    path.write_text(head + "- id: reg7.item4.threshold" + tail, encoding="utf-8")
    r = run("validate", "-q", rules / "kb.yaml")
    assert r.code == 2
    assert "parameter 'reg7.item4.threshold' version 1: -1000 is not allowed; it must be at least 0" \
        in r.stderr


def test_labels_follow_a_new_threshold(tmp_path, run):
    """Issue 8: with the 4号 threshold at 500 from 2027-04-01, 「千人超」 was still printed."""
    rules = _real_kb(tmp_path)
    path = rules / ART7
    text = path.read_text(encoding="utf-8")
    head, tail = text.split("- id: reg7.item4.threshold", 1)
    # the threshold's one version runs to the end of `parameters:`, just before `rules:`
    versions_at = tail.index("      - valid_from: 2022-04-01\n")
    block = tail[versions_at:tail.index("\nrules:")].rstrip("\n") + "\n"
    new_version = block.replace("valid_from: 2022-04-01", "valid_from: 2027-04-01") \
                       .replace("value: 1000", "value: 500")
    ended = block.replace("valid_from: 2022-04-01\n",
                          "valid_from: 2022-04-01\n        valid_to: 2027-03-31\n", 1)
    tail = tail.replace(block, ended + new_version, 1)
    path.write_text(head + "- id: reg7.item4.threshold" + tail, encoding="utf-8")
    r = run("validate", "-q", rules / "kb.yaml")
    assert r.code == 0, r.stderr
    kb = load_kb(rules)
    import datetime as dt
    assert "500人超" in kb.conclusion_label("reg7.item4", dt.date(2027, 5, 1))["ja"]
    assert "1,000人超" in kb.conclusion_label("reg7.item4", dt.date(2027, 3, 1))["ja"]
    from engine.assess import Engine, load_incident
    a = Engine(kb).assess(load_incident(_incident(tmp_path, affected={"number": 600})),
                          dt.date(2027, 5, 1))
    item4 = next(c for c in a["conclusions"] if c["code"] == "reg7.item4")
    assert item4["status"] == "established"
    assert "500人超" in item4["label"]["ja"] and "more than 500 people" in item4["label"]["en"]
    assert "500" in a["rules"][item4["rules"][0]["id"]]["label"]["ja"]
