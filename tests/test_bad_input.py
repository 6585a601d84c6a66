"""Bad input (issue section 9): one clear message on stderr naming the file, the line and what to
fix; exit code 2; nothing on stdout; never a traceback. One small bad file per kind (tests/bad/),
except the huge and the non-UTF-8 ones, which are generated here."""
from __future__ import annotations

import pytest

from conftest import BAD, DATA, INCIDENTS

# how `test` names the knowledge base it used (the version moves with each release)
from engine.paths import RULES_DIR  # noqa: E402
from engine.yamlio import load_yaml  # noqa: E402

KB_LINE = f"knowledge base: appi-kb {load_yaml(RULES_DIR / 'kb.yaml').data['kb']['version']} (rules)"

# file -> (line named in the message or None, words of the message, words of the fix)
CASES = {
    "bad_indentation.yaml": (4, ["YAML syntax error"], ["check indentation and quoting"]),
    # an unclosed { is noticed on the next line; the line to fix is the one that opened it
    "syntax_error.yaml": (2, ["YAML syntax error", "a { opened on this line is never closed"],
                          ["close it with }"]),
    # the parser notices at the end of the file; the line to fix is where the quote was opened
    "unclosed_quote.yaml": (4, ["YAML syntax error", "never closed"], ["close the quote"]),
    # the same for a [ list: the parser stops at the next key, two lines further down
    "unclosed_list.yaml": (5, ["YAML syntax error", "a [ opened on this line is never closed"],
                           ["close it with ]"]),
    "schema_violation.yaml": (4, ["unknown key 'evnt'"], ["did you mean 'event'?"]),
    "unknown_fact.yaml": (5, ["unknown key 'colour' in event"], ["allowed keys:", "kinds"]),
    "unknown_data_item.yaml": (5, ["data.items[1]", "'credit_card_numbr'", "not an allowed value"],
                               ["did you mean 'credit_card_number'?"]),
    "wrong_type.yaml": (4, ["affected.number", "'lots'"], ["expected", "a whole number"]),
    "impossible_date.yaml": (4, ["dates.occurred", "'2024-02-30'", "not a real calendar date"],
                             ["write an existing date as YYYY-MM-DD"]),
    "empty.yaml": (None, ["file is empty"], ["must contain a YAML mapping"]),
    "alias_bomb.yaml": (3, ["YAML aliases (*name) are not allowed"], ["write the value out in full"]),
    "duplicate_key.yaml": (6, ["duplicate key 'items'"], ["each key may appear once"]),
    "multiple_documents.yaml": (3, ["more than one YAML document"], ["keep one document per file"]),
    "contradicting_dates.yaml": (5, ["dates.learned (2024-04-01) is before dates.occurred (2024-04-10)"],
                                 ["one of the two dates is wrong"]),
    "not_a_mapping.yaml": (2, ["expected a mapping at the top of the file, found a list"],
                           ["see examples/"]),
    # counts are plain decimal integers (issue 6.5): never octal, hex, underscores or floats
    "count_leading_zero.yaml": (4, ["affected.number: '01500' is not a plain decimal number"],
                                ["write 1500", "leading 0 as octal"]),
    "count_hex.yaml": (4, ["affected.number: '0x5DC' is not a plain decimal number"],
                       ["write 1500"]),
    "count_underscore.yaml": (4, ["affected.number.count: '1_500' is not a plain decimal number"],
                              ["write 1500", "drops underscores"]),
    "count_decimal_point.yaml": (4, ["affected.number", "(1500.0)", "not valid here"],
                                 ["a whole number", "write 1500"]),
    "count_exponent.yaml": (6, ["affected.number.history[0].at_most", "expected a whole number"],
                            ["write 1500"]),
    "time_as_number.yaml": (2, ["incident.title: '10:30' would be read as a number in base 60"],
                            ["double quotes"]),
    # dates are real days of 1900-2999 (9999-12-20 used to end in `internal error: OverflowError`)
    "date_out_of_range.yaml": (4, ["dates.learned: '9999-12-20' is outside the years 1900–2999"],
                               ["check the year"]),
    "date_before_1900.yaml": (4, ["dates.occurred: '1024-04-01' is outside the years 1900–2999"],
                              ["check the year"]),
    # errors quote at most 80 characters of a value, marked as cut
    "long_value.yaml": (3, ["event.kinds[0]", "'" + "leak" * 20 + "…'", "(cut; 2,000 characters)",
                            "not an allowed value"], ["use one of"]),
}


def assert_one_clean_error(r, location: str, words: list[str]) -> None:
    assert r.code == 2, (r.code, r.stdout, r.stderr)
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(location + ":"), lines[0]
    for w in words:
        assert w in lines[0], (w, lines[0])


def test_every_bad_file_has_a_case():
    on_disk = {p.name for p in BAD.glob("*.yaml")}
    assert on_disk == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_incident_assess(run, name):
    line, words, fix = CASES[name]
    location = f"tests/bad/{name}" + (f":{line}" if line else "")
    r = run("assess", BAD / name)
    assert_one_clean_error(r, location, words + fix)
    assert len(r.stderr) < 500, r.stderr          # a message, never an echo of the input
    if line is None:
        assert not r.stderr.startswith(f"tests/bad/{name}:1")


@pytest.mark.parametrize("name", ["unknown_data_item.yaml", "alias_bomb.yaml", "impossible_date.yaml"])
def test_bad_incident_explain_and_json_say_the_same(run, name):
    line, words, fix = CASES[name]
    for args in (["explain", BAD / name], ["assess", BAD / name, "--format", "json"]):
        r = run(*args)
        assert_one_clean_error(r, f"tests/bad/{name}:{line}", words + fix)


def test_bad_incident_validate_reports_it(run):
    r = run("validate", BAD / "unknown_data_item.yaml")
    assert r.code == 2
    assert "Traceback" not in r.stderr
    assert "tests/bad/unknown_data_item.yaml:5: " in r.stderr
    assert "did you mean 'credit_card_number'?" in r.stderr
    assert r.stdout.startswith("FAILED:") and "1 error(s)" in r.stdout


def test_huge_file(run, tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("incident: {id: huge}\n" + "# padding\n" * 110_000, encoding="utf-8")
    assert path.stat().st_size > 1_048_576
    r = run("assess", path)
    assert_one_clean_error(r, str(path), ["file is too large", "the limit is 1,048,576"],)
    assert "split it" in r.stderr


def test_non_utf8_file(run, tmp_path):
    path = tmp_path / "sjis.yaml"
    path.write_bytes("incident: {id: sjis}\nbusiness: {name: 株式会社テスト}\n".encode("shift_jis"))
    r = run("assess", path)
    assert_one_clean_error(r, f"{path}:2", ["not valid UTF-8"])
    assert "save the file as UTF-8" in r.stderr


def test_missing_file(run, tmp_path):
    path = tmp_path / "no-such-incident.yaml"
    r = run("assess", path)
    assert_one_clean_error(r, str(path), ["file not found", "check the path"])


@pytest.mark.parametrize("value,words", [
    ("2024-02-30", ["'2024-02-30' is not a real calendar date"]),
    ("2024/04/01", ["'2024/04/01' is not a date in the form YYYY-MM-DD"]),
    ("yesterday", ["'yesterday' is not a date in the form YYYY-MM-DD"]),
    ("x" * 300, ["'" + "x" * 80 + "…' (cut; 300 characters) is not a date in the form"]),
])
def test_bad_as_of(run, value, words):
    r = run("assess", INCIDENTS / "card_leak.yaml", "--as-of", value)
    assert_one_clean_error(r, "--as-of", words + ["YYYY-MM-DD, e.g. 2024-04-01"])


@pytest.mark.parametrize("value", ["9999-12-20", "1899-12-31", "0001-01-01"])
def test_as_of_outside_1900_2999(run, value):
    """9999-12-20 used to end in `internal error: OverflowError` (exit 3)."""
    r = run("assess", INCIDENTS / "card_leak.yaml", "--as-of", value)
    assert_one_clean_error(r, "--as-of", [f"'{value}': the year {int(value[:4])} is outside "
                                          "1900–2999", "check the year"])


def test_as_of_before_any_rule(run):
    r = run("assess", INCIDENTS / "card_leak.yaml", "--as-of", "2000-01-01")
    assert_one_clean_error(r, "--as-of", ["no rule of the knowledge base is in force on 2000-01-01",
                                          "choose a later --as-of date"])


def test_no_date_to_assess_on_names_the_incident(run, tmp_path):
    path = tmp_path / "undated.yaml"
    path.write_text("incident: {id: undated}\nevent: {kinds: [leak]}\n", encoding="utf-8")
    r = run("assess", path)
    assert_one_clean_error(r, str(path), ["cannot choose the assessment date", "pass --as-of"])


def test_bad_fixture_for_test_command(run):
    # `test` reports every fixture (issue 8): stdout says this one was not run, stderr says why
    r = run("test", DATA / "fixtures" / "bad" / "schema.yaml")
    assert r.stdout.splitlines() == ["ERROR tests/data/fixtures/bad/schema.yaml (not run: "
                                     "malformed, see stderr)", KB_LINE,
                                     "0 passed, 1 failed"]
    r.stdout = ""
    assert_one_clean_error(r, "tests/data/fixtures/bad/schema.yaml:9",
                           ["expect.conclusions.report_duty", "'yes_please'", "use one of"])


def test_a_count_in_a_fixture_is_decimal_too(run):
    # the loader refuses it, so a rule file, a fixture and an incident all say the same
    r = run("test", DATA / "fixtures" / "bad" / "count-octal.yaml")
    assert r.stdout.splitlines() == ["ERROR tests/data/fixtures/bad/count-octal.yaml (not run: "
                                     "malformed, see stderr)", KB_LINE,
                                     "0 passed, 1 failed"]
    r.stdout = ""
    assert_one_clean_error(r, "tests/data/fixtures/bad/count-octal.yaml:7",
                           ["incident.affected.number: '01001' is not a plain decimal number",
                            "write 1001"])


@pytest.mark.parametrize("path,kind,hint", [
    (DATA / "fixtures" / "pass" / "card-leak.yaml", "fixture", "run `appi-kb test "),
    (BAD / "rules" / "missing_citation.yaml", "rule", "check it with `appi-kb validate "),
])
def test_assess_a_file_that_is_not_an_incident(run, path, kind, hint):
    r = run("assess", path)
    rel = path.relative_to(BAD.parent.parent).as_posix()
    assert_one_clean_error(r, f"{rel}:1", [f"this is a {kind} file, not an incident", hint])
