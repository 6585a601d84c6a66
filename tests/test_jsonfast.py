"""engine/jsonfast.py writes exactly what json.dumps(sort_keys=True, ensure_ascii=False, indent=2)
writes: on real assessments and on the values JSON makes tricky."""
from __future__ import annotations

import json

import pytest

from engine.jsonfast import dumps_indented


def reference(obj) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=2)


@pytest.mark.parametrize("obj", [
    {}, [], "", 0, -1, 10 ** 30, 1.5, 1e-300, 1e300,
    True, False, None, "日本語\n\t\"\\\u0000\u001f\u2028", {"b": 1, "a": [1, {"d": [], "c": {}}]},
    [[[]], [{}], ({"x": (1, 2)},)], {"ключ": "значение", "": ""}, {"a": {"b": {"c": {"d": [None]}}}},
])
def test_same_bytes_as_json(obj) -> None:
    assert dumps_indented(obj) == reference(obj)


def test_values_json_converts_fall_back_to_json() -> None:
    for obj in ({1: "int key"}, {True: 1}, {"a": {2.5: "x"}}):
        assert dumps_indented(obj) == reference(obj)


TRICKY = [{}, [], "", 0, -1, 2 ** 63 - 1, 2 ** 63, -(2 ** 64), 10 ** 30, 1.5, 1e-300, 1e300, 1e16,
          -0.0, True, False, None, "日本語\n\t\"\\\u0000\u001f\u007f\u2028\u2029/", "\ud800 lone",
          "\U0001f600 astral", {"\U0001f600": 1, "\uffff": 2, "a": 3}, {1: "int key"},
          {"b": 1, "a": [1, {"d": [], "c": {}}]}, [[[]], [{}], ({"x": (1, 2)},)]]


@pytest.mark.parametrize("obj", TRICKY)
def test_compact_and_indented_same_bytes_as_json(obj) -> None:
    # orjson where it writes what json writes, the Python writers where it refuses
    from engine.jsonfast import compact_bytes
    assert compact_bytes(obj) == json.dumps(obj, sort_keys=True, ensure_ascii=False,
                                            separators=(",", ":")).encode("utf-8", "surrogatepass")
    assert dumps_indented(obj) == reference(obj)


def test_a_list_with_items_written_beforehand_same_bytes() -> None:
    # the output hash writes the conclusions a document shares with others once (engine/receipt.py
    # _list_text): given or not, an item's text must come out as compact_bytes of the whole list
    from engine.jsonfast import compact_bytes, compact_list
    for given in (lambda i: True, lambda i: False, lambda i: i % 2 == 0):
        texts = [compact_bytes(x) if given(i) else None for i, x in enumerate(TRICKY)]
        assert compact_list(TRICKY, texts) == compact_bytes(TRICKY)
        assert compact_list(TRICKY[:3], texts[:3]) == compact_bytes(TRICKY[:3])   # orjson path


def test_non_finite_numbers_are_the_one_known_difference() -> None:
    # documented in engine/jsonfast.py: json writes NaN, orjson null; hence the check below
    for value in (float("nan"), float("inf"), float("-inf")):
        assert dumps_indented([value]) == "[\n  null\n]"


def test_no_schema_admits_a_number_orjson_writes_differently() -> None:
    # NaN and infinities are the values json and orjson write differently (NaN vs null); only
    # integers may reach an assessment
    from engine.paths import SCHEMAS_DIR
    for path in sorted(SCHEMAS_DIR.glob("*.schema.json")):
        if path.stem in ("assessment", "incident", "fixture"):
            assert '"number"' not in path.read_text(encoding="utf-8"), path.name


def test_same_bytes_on_assessments(assess) -> None:
    for name in ("card_leak", "open_questions", "entrustee_notified"):
        doc = assess(name)
        assert dumps_indented(doc) == reference(doc)


def _relocated(value, root):
    """output_sha256's definition, written plainly: every {file, line} entry made relocatable."""
    from engine.receipt import _inside
    if isinstance(value, dict):
        out = {k: _relocated(v, root) for k, v in value.items()}
        if "line" in out and isinstance(out.get("file"), str):
            out["file"] = _inside(out["file"], str(root) if root else None)
            del out["line"]
        return out
    if isinstance(value, list):
        return [_relocated(v, root) for v in value]
    return value


def _fixture_assessments(engine):
    from engine.fixtures import fixture_files, load_fixture
    from engine.paths import FIXTURES_DIR
    for path in fixture_files([FIXTURES_DIR]):
        fx = load_fixture(path)
        yield engine.assess(fx.incident, fx.as_of)


def test_output_hash_is_the_hash_of_the_plain_definition(engine, assess) -> None:
    # engine/receipt.py writes the shared parts once and the rest with json's C encoder, with
    # no relocation outside the rules table: on every fixture (and twice on one, when the shared
    # parts are remembered) the hash must be what the plain definition gives
    import hashlib
    docs = [assess(name) for name in ("card_leak", "open_questions", "card_leak", "misdelivery_300")]
    for doc in docs + list(_fixture_assessments(engine)):
        body = {k: v for k, v in doc.items() if k != "receipt"}
        body["incident"] = {k: v for k, v in body["incident"].items() if k != "file"}
        table = json.dumps(_relocated(body["rules"], engine.kb.root), sort_keys=True,
                           ensure_ascii=False, separators=(",", ":"))
        body["rules"] = hashlib.sha256(table.encode()).hexdigest()    # the table by its hash
        text = json.dumps(_relocated(body, engine.kb.root), sort_keys=True, ensure_ascii=False,
                          separators=(",", ":"))
        assert doc["receipt"]["output_sha256"] == hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("obj", [{"b": [1, {"a": None}], "a": "x"}, [], {}, [1.5, True, "é"]])
def test_canonical_writer_same_bytes_as_json(obj) -> None:
    from engine.jsonfast import dumps_canonical
    assert dumps_canonical(obj) == json.dumps(obj, sort_keys=True, ensure_ascii=False,
                                              separators=(",", ":"))
    shared = [1, 2]
    memo = {id(shared): (shared, "[1,2]")}
    assert dumps_canonical({"k": shared}, memo) == '{"k":[1,2]}'


def test_output_hash_changes_with_anything_in_the_rules_table(engine, assess) -> None:
    # the rules table enters the output hash by its own hash: a document read back (no shared
    # parts) hashes the same, and one changed character in one quote changes the output hash
    import copy

    from engine.receipt import output_sha256
    doc = assess("card_leak")
    again = copy.deepcopy(doc)
    assert output_sha256(again, engine.kb.root) == doc["receipt"]["output_sha256"]
    rid = next(r for r, entry in again["rules"].items() if entry["citations"])
    cite = again["rules"][rid]["citations"][0]
    key = next(k for k in ("quote", "text", "title", "key") if isinstance(cite.get(k), str))
    cite[key] += "。"
    assert output_sha256(again, engine.kb.root) != doc["receipt"]["output_sha256"]
    again = copy.deepcopy(doc)
    again["rules"][rid]["line"] += 3                 # where a rule is written does not count
    assert output_sha256(again, engine.kb.root) == doc["receipt"]["output_sha256"]


def test_input_hash_is_the_hash_of_the_plain_definition() -> None:
    # engine/receipt.py sorts a list's strings by what json writes for them without building an
    # encoder per item: the order must stay json's text order (a "!" sorts before the closing
    # quote, so "a!" comes before "a"; escapes count as written)
    import hashlib
    from engine.receipt import input_sha256

    def plain(value):
        if isinstance(value, dict):
            return {k: plain(value[k]) for k in sorted(value)}
        if isinstance(value, list):
            return sorted((plain(v) for v in value),
                          key=lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False))
        return value

    data = {"b": ["a", "a!", "a\"", "a\\", "a\n", "日本", "", 3, None, True, {"k": ["y", "x"]},
                  ["z", "a"]], "a": {"x": ["q"]}}
    text = json.dumps(plain(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert input_sha256(data) == hashlib.sha256(text.encode()).hexdigest()
    order = plain(data)["b"]
    assert order.index("a!") < order.index("a")         # the case the test is about is there
