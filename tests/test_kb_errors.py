"""Every kind of knowledge-base error an editor can make gets one message with file, line and a fix.

Each case is one small bad rule file in tests/bad_kb/ (a directory when the error needs two
files), loaded through `engine.kbload.load_kb` from a temporary rules directory that holds a copy
of the real manifest (rules/kb.yaml) and that file only. The line the error must point at is
marked in the file itself with `# <-- error`, so a reader sees the mistake and where it is
reported in one place. Errors that only appear when rules are compiled for a date (cycles,
engine limits) go through `engine.compile.compile_kb` after a successful load.
"""
from __future__ import annotations

import datetime as _dt
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.compile import compile_kb
from engine.errors import InputError, InputErrors
from engine.kbload import load_kb
from engine.paths import PROJECT_ROOT

if str(Path(__file__).resolve().parent) not in sys.path:    # any pytest import mode, package or not
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers  # noqa: E402

BAD_KB = Path(__file__).parent / "bad_kb"
MARKER = "# <-- error"
AS_OF = _dt.date(2024, 6, 3)


@dataclass(frozen=True)
class Case:
    name: str                 # file (or directory) under tests/bad_kb/, without .yaml
    stage: str                # "load" or "compile"
    kind: str                 # InputError.kind
    message: tuple            # words the message must contain
    hint: tuple               # words the hint must contain


CASES = [
    Case("duplicate_rule_id", "load", "duplicate",
         ("rule id 'test.private' is already used", "a_first.yaml:12"), ("unique",)),
    Case("overlapping_versions", "load", "version",
         ("test.private", "versions overlap", "2022-04-01", "no end", "2024-04-01"),
         ("valid_to", "the day before")),
    Case("valid_to_before_valid_from", "load", "version",
         ("test.private", "valid_to 2024-03-31 is before valid_from 2024-04-01"),
         ("last day", "swap")),
    Case("defeats_unknown_rule", "load", "reference",
         ("'defeats'", "unknown rule 'test.privat'"), ("did you mean 'test.private'?",)),
    Case("unknown_conclusion_in_when", "load", "reference",
         ("unknown conclusion 'test.privte'",), ("did you mean 'test.private'?",)),
    Case("due_with_unknown_conclusion", "load", "reference",
         ("unknown conclusion 'test.privte'",), ("did you mean 'test.private'?",)),
    Case("undeclared_conclusion", "load", "reference",
         ("conclusion 'test.privat' is not declared",), ("did you mean 'test.private'?",)),
    Case("declared_never_concluded", "load", "reference",
         ("conclusion 'test.unused' is declared but no rule concludes it",),
         ("then: {conclude: test.unused}", "remove it")),
    Case("unknown_fact", "load", "reference",
         ("unknown fact 'business.sectr'",), ("did you mean 'business.sector'?",)),
    Case("unknown_enum_value", "load", "reference",
         ("'privat' is not a value of fact 'business.sector'",), ("did you mean 'private'?",)),
    Case("operator_not_applicable", "load", "reference",
         ("operator 'greater_than' does not apply to fact 'business.sector'",),
         ("equals", "in", "not_equals")),
    Case("unknown_parameter", "load", "reference",
         ("unknown parameter 'test.threshhold'",), ("did you mean 'test.threshold'?",)),
    Case("parameter_gap", "load", "reference",
         ("parameter 'test.threshold' has no value in force on 2023-04-01", "rule 'test.many'"),
         ("gap",)),
    Case("citation_without_quote", "load", "schema",
         ("missing required key 'quote'", "citations[0]"), ("quote:", "verbatim")),
    Case("statute_without_law_id", "load", "schema",
         ("missing required key 'law_id'", "citations[0]"),
         ("law_id:", "e-Gov", "required when type is statute")),
    Case("comma_in_flow_mapping", "load", "schema",
         ("unknown key 'loss or damage'", "label"), ("comma", "double quotes")),
    Case("comma_in_flow_mapping_ja", "load", "schema",
         ("unknown key '通知'", "label"), ("comma", "double quotes")),
    Case("long_value_in_condition", "load", "reference",
         ("'" + ("private" * 12)[:80] + "…' (cut; 300 characters) is not a value of fact "
          "'business.sector'",), ("values: private, public_body",)),
    Case("parameter_octal", "load", "number",
         ("parameters[0].versions[0].value: '01000' is not a plain decimal number",),
         ("write 1000", "octal")),
    Case("valid_from_out_of_range", "load", "date",
         ("rules[0].versions[0].valid_from: '0024-04-01' is outside the years 1900–2999",),
         ("check the year",)),
    Case("dependency_cycle", "compile", "compile",
         ("circle", "test.exempt reads 'test.private'", "which test.exempt may defeat"),
         ("exception", "defeats")),
    Case("engine_limit_stratum", "compile", "compile",
         ("65 engine tests on 'affected.number_max'", "rule 'test.many-49' adds number 49",
          "allows 48", "fails past 64"),
         ("different values", "conclusion")),
    Case("engine_limit_patterns", "compile", "compile",
         ("rule 'test.wide' needs 17 facts at once", "allows 16"),
         ("split", "intermediate conclusion")),
]


def _case_files(name: str) -> list[Path]:
    target = BAD_KB / name
    return sorted(target.glob("*.yaml")) if target.is_dir() else [BAD_KB / f"{name}.yaml"]


def _marked(files: list[Path]) -> tuple[str, int]:
    """The file name and line carrying the one `# <-- error` marker of a case."""
    marks = [(p.name, i) for p in files
             for i, text in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
             if MARKER in text]
    assert len(marks) == 1, f"a bad file must mark exactly one line with {MARKER!r}: {marks}"
    return marks[0]


def _shown_path(display: str) -> Path:
    """Engine messages name files relative to the project when inside it, else in full."""
    p = Path(display)
    return (p if p.is_absolute() else PROJECT_ROOT / p).resolve()


def _load_case(tmp_path: Path, case: Case) -> tuple[InputError, Path]:
    files = _case_files(case.name)
    rules = helpers.new_kb(tmp_path, {p.name: p.read_text(encoding="utf-8") for p in files})
    with pytest.raises(InputError) as caught:
        kb = load_kb(rules)
        if case.stage == "load":
            pytest.fail("load_kb accepted a knowledge base it must reject")
        compile_kb(kb, AS_OF)
    return caught.value, rules


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_kb_file_gets_one_message_with_file_line_and_fix(tmp_path: Path, case: Case) -> None:
    err, rules = _load_case(tmp_path, case)
    # one mistake, one message: nothing else in the file may be wrong, and nothing is repeated
    errors = err.errors if isinstance(err, InputErrors) else [err]
    assert len(errors) == 1, "\n".join(map(str, errors))
    (err,) = errors
    if case.stage == "compile":
        load_kb(rules)       # the same files load cleanly: only compiling can find this mistake
    name, line = _marked(_case_files(case.name))
    assert err.file is not None and _shown_path(err.file) == (rules / name).resolve()
    assert err.line == line, f"{err} (expected line {line})"
    assert err.kind == case.kind
    for words in case.message:
        assert words in err.message, f"{words!r} not in {err.message!r}"
    assert err.hint, "every KB error must say what to do"
    for words in case.hint:
        assert words in err.hint, f"{words!r} not in {err.hint!r}"
    # what the CLI prints: one line, starting with file:line
    shown = str(err)
    assert "\n" not in shown and shown.startswith(f"{err.file}:{line}: ")
    assert "Traceback" not in shown


def test_every_bad_kb_file_has_a_case() -> None:
    on_disk = {p.stem if p.is_file() else p.name for p in BAD_KB.iterdir()
               if p.suffix == ".yaml" or p.is_dir()}
    assert on_disk == {c.name for c in CASES}


def test_the_good_half_of_each_two_file_case_loads(tmp_path: Path) -> None:
    # the duplicate-id case would prove nothing if the first file were itself broken
    first = BAD_KB / "duplicate_rule_id" / "a_first.yaml"
    kb = load_kb(helpers.new_kb(tmp_path, {first.name: first.read_text(encoding="utf-8")}))
    assert set(kb.rules) == {"test.private"}


def test_several_mistakes_in_one_run_are_all_reported(tmp_path: Path) -> None:
    # an editor fixing a KB sees every problem at once, each with its own file and line
    names = ["unknown_fact", "unknown_enum_value"]
    files = {}
    for n in names:
        text = (BAD_KB / f"{n}.yaml").read_text(encoding="utf-8")
        # give each copy its own ids so the two files do not also clash with each other
        files[f"{n}.yaml"] = text.replace("test.private", f"test.{n.replace('_', '-')}") \
                                 .replace("id: test-unit", f"id: unit-{n.replace('_', '-')}")
    rules = helpers.new_kb(tmp_path, files)
    with pytest.raises(InputErrors) as caught:
        load_kb(rules)
    found = sorted((Path(e.file).name, e.line) for e in caught.value.errors)
    assert found == sorted((f"{n}.yaml", _marked([BAD_KB / f"{n}.yaml"])[1]) for n in names)
