"""The assessment names each rule by id and version and holds its details once, in the `rules`
table (schemas/assessment.schema.json 2.x); engine/document.expand joins them for readers."""
from __future__ import annotations

import json

from engine.document import expand


def test_rule_details_are_written_once_per_document(assess) -> None:
    a = assess("card_leak")
    for c in a["conclusions"]:
        for r in c["rules"]:
            assert set(r) == {"id", "version", "status", "derivations", "defeated_by", "fired"}
            assert a["rules"][r["id"]]["version"] == r["version"]
        for e in c["exceptions"]:
            assert set(e) == {"rule", "version", "status"}
            assert e["rule"] in a["rules"]
        for rv in c["reviews"]:
            assert set(rv) == {"rule", "version"}
            assert "judgment" in a["rules"][rv["rule"]]


def test_a_quote_appears_once_however_many_conclusions_weigh_it(assess) -> None:
    a = assess("card_leak")
    text = json.dumps(a, ensure_ascii=False)
    weighed_by = {}                 # an exception is weighed in every conclusion its rules reach
    for c in a["conclusions"]:
        for e in c["exceptions"]:
            weighed_by.setdefault(e["rule"], set()).add(c["code"])
    rid = max(sorted(weighed_by), key=lambda k: len(weighed_by[k]))
    assert len(weighed_by[rid]) >= 2, "some exception is weighed in two conclusions"
    quote = json.dumps(a["rules"][rid]["citations"][0]["quote"], ensure_ascii=False)
    # in the rules table only (and in the judgments list, when the rule asks for a judgment)
    where = json.dumps([a["rules"], a["reviews"]], ensure_ascii=False)
    assert text.count(quote) == where.count(quote) >= 1


def test_expand_joins_each_entry_with_its_rule(assess) -> None:
    a = assess("card_leak")
    before = json.dumps(a, sort_keys=True, ensure_ascii=False)
    x = expand(a)
    assert json.dumps(a, sort_keys=True, ensure_ascii=False) == before, "expand changed its input"
    for c in x["conclusions"]:
        for r in c["rules"]:
            detail = a["rules"][r["id"]]
            assert r["citations"] == detail["citations"] and r["label"] == detail["label"]
            assert (r["file"], r["line"], r["kind"]) == (detail["file"], detail["line"], detail["kind"])
            assert r.get("parameters") == detail.get("parameters")
        for e in c["exceptions"]:
            assert e["citations"] == a["rules"][e["rule"]]["citations"]
            assert e["status"] in ("holds", "open", "excluded", "does_not_hold")
        for rv in c["reviews"]:
            assert rv["question"] == a["rules"][rv["rule"]]["judgment"]["question"]
    assert json.dumps(expand(x), sort_keys=True) == json.dumps(x, sort_keys=True), "not idempotent"


def test_expand_reads_a_document_written_to_json(assess) -> None:
    # a JSON file read back (appi-kb verify, other tools) expands like the live document
    a = assess("open_questions")
    back = json.loads(json.dumps(a, ensure_ascii=False))
    assert json.dumps(expand(back), sort_keys=True) == json.dumps(expand(a), sort_keys=True)
