"""The safe YAML loader: same data, same lines and same errors with libyaml and without it."""
from __future__ import annotations

import pytest

from engine.errors import InputError
from engine.yamlio import PURE_LOADER, _Loader, parse_yaml

LOADERS = [pytest.param(_Loader, id="default"), pytest.param(PURE_LOADER, id="pure-python")]

CASES = {
    "alias": ("a: &x [1]\nb: *x\n", "alias", 2),
    "duplicate": ("a: 1\na: 2\n", "duplicate_key", 2),
    "syntax": ("a: [1\nb: 2\n", "syntax", 2),
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
