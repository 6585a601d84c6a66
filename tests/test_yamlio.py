"""The safe YAML loader: same data, same lines and same errors with libyaml and without it."""
from __future__ import annotations

import pytest

from engine.errors import InputError
from engine.yamlio import PURE_LOADER, _Loader, parse_yaml

LOADERS = [pytest.param(_Loader, id="default"), pytest.param(PURE_LOADER, id="pure-python")]

CASES = {
    "alias": ("a: &x [1]\nb: *x\n", "alias", 2),
    "duplicate": ("a: 1\na: 2\n", "duplicate_key", 2),
    "syntax": ("a: [1\nb: 2\n", "syntax", 1),        # named where the [ was opened
    "two documents": ("a: 1\n---\nb: 2\n", "syntax", 2),
    "python tag": ("a: !!python/object:os.system x\n", "syntax", 1),
    "empty": ("# nothing\n", "empty", None),
    "nan": ("a: .nan\n", "syntax", 1),
}


@pytest.mark.parametrize("loader", LOADERS)
def test_plain_values_dates_stay_text_and_only_true_false_are_booleans(loader):
    doc = parse_yaml("a: 2024-02-30\nb: on\nc: no\nd: true\ne: [1, 2.5]\n", "t.yaml", loader)
    assert doc.data == {"a": "2024-02-30", "b": "on", "c": "no", "d": True, "e": [1, 2.5]}
    assert doc.lines[("e", 1)] == 5


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_bad_document_fails_the_same_way(loader, case):
    text, kind, line = CASES[case]
    with pytest.raises(InputError) as exc:
        parse_yaml(text, "t.yaml", loader)
    assert exc.value.kind == kind
    assert exc.value.line == line
    assert exc.value.file == "t.yaml"


@pytest.mark.parametrize("loader", LOADERS)
def test_an_alias_bomb_is_refused_before_it_expands(loader):
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    with pytest.raises(InputError) as exc:
        parse_yaml("\n".join(levels) + "\n", "bomb.yaml", loader)
    assert exc.value.kind == "alias" and exc.value.line == 2


# Issue 6.5: a number is read only when it is written in plain decimal; every other form that some
# YAML reads as a number is refused with the decimal to write (never silently converted).
NUMBERS_READ = {"1500": 1500, "0": 0, "-3": -3, "+7": 7, "2.5": 2.5, "1500.0": 1500.0,
                "1.5e3": 1500.0, ".5": 0.5}
NUMBERS_REFUSED = {"01500": "write 1500", "0x5DC": "write 1500", "0o2734": "write 1500",
                   "0b10111011100": "write 1500", "1_500": "write 1500", "08": "write 8",
                   "-0x10": "write -16", "1_000.5": "write 1000.5", "00.5": "write 0.5"}
TEXT_KEPT = ["2024-04-01", "3-5-3-1", "1.2.3", "0x", "12abc", "1e", "第7条"]


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("text", sorted(NUMBERS_READ))
def test_plain_decimal_numbers_are_read(loader, text):
    value = parse_yaml(f"a: {text}\n", "t.yaml", loader).data["a"]
    assert value == NUMBERS_READ[text] and type(value) is type(NUMBERS_READ[text])


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("text", sorted(NUMBERS_REFUSED))
def test_other_number_forms_are_refused_with_the_decimal_to_write(loader, text):
    with pytest.raises(InputError) as exc:
        parse_yaml(f"a:\n  b: {text}\n", "t.yaml", loader)
    assert exc.value.kind == "number" and exc.value.line == 2
    assert exc.value.message == f"a.b: '{text}' is not a plain decimal number"
    assert exc.value.hint.startswith(NUMBERS_REFUSED[text] + " ")


@pytest.mark.parametrize("loader", LOADERS)
def test_base_60_is_refused_as_a_likely_time(loader):
    with pytest.raises(InputError) as exc:
        parse_yaml("at: 10:30\n", "t.yaml", loader)
    assert "'10:30' would be read as a number in base 60" in exc.value.message
    assert "double quotes" in exc.value.hint


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("text", TEXT_KEPT)
def test_text_that_only_looks_numeric_stays_text(loader, text):
    assert parse_yaml(f"a: {text}\n", "t.yaml", loader).data["a"] == text


@pytest.mark.parametrize("loader", LOADERS)
def test_quoted_numbers_are_text(loader):
    assert parse_yaml('a: "01500"\nb: \'10:30\'\n', "t.yaml", loader).data == {"a": "01500", "b": "10:30"}


@pytest.mark.parametrize("loader", LOADERS)
def test_errors_quote_at_most_80_characters_of_a_key_or_value(loader):
    key = "k" * 1000           # YAML allows implicit keys up to 1,024 characters
    with pytest.raises(InputError) as exc:
        parse_yaml(f"{key}: 1\n{key}: 2\n", "t.yaml", loader)
    assert "(cut; 1,000 characters)" in str(exc.value) and len(str(exc.value)) < 300
    with pytest.raises(InputError) as exc:
        parse_yaml("a: 0" + "1" * 5000 + "\n", "t.yaml", loader)
    assert "(cut; 5,001 characters)" in str(exc.value) and len(str(exc.value)) < 400
