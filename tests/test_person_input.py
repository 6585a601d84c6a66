"""Input a person can write (issue 9, item 4): Japanese labels as values, suggestions that look at
words and labels, dates in other forms explained, one status per kind of event, dated measures, and
a request that refers to the incident it is about. One small bad file per error kind
(tests/bad/person/), each with its own message."""
from __future__ import annotations

import datetime as _dt
import json
import shutil

import pytest

from conftest import BAD, ROOT
from test_bad_input import assert_one_clean_error

import helpers
from engine import dateforms
from engine.incident_input import Lexicon, lexicons, suggest

PERSON = BAD / "person"

# file -> (line, words the one message must contain)
CASES = {
    "pension_no.yaml": (5, ["data.items[1]", "'pension_no'", "did you mean 'basic_pension_number'?",
                            "基礎年金番号"]),
    "slash_date.yaml": (5, ["dates.learned", "'2025/12/26'", "not written as YYYY-MM-DD",
                            "write 2025-12-26"]),
    "wareki_date.yaml": (4, ["'令和7年12月26日'", "write 2025-12-26"]),
    "several_statuses.yaml": (4, ["several statuses", "status: {damage: occurred, leak: suspected}"]),
    "derived_written.yaml": (5, ["event.occurred_kinds is derived from event.status"]),
    "count_as_text.yaml": (4, ["'1,200人' is text, not a number", "write 1200"]),
    "status_kind_not_listed.yaml": (4, ["status for damage, which event.kinds does not list"]),
    "missing_reference.yaml": (1, ["incident.refers_to", "'no-such-incident.yaml' is not a file"]),
    "unknown_japanese_label.yaml": (2, ["event.causes[0]", "'ハッキング'",
                                        "unauthorised_access（外部からの不正アクセス）"]),
}


def test_every_bad_person_file_has_a_case():
    assert {p.name for p in PERSON.glob("*.yaml")} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_person_input(run, name):
    line, words = CASES[name]
    r = run("assess", PERSON / name)
    assert_one_clean_error(r, f"tests/bad/person/{name}:{line}", words)


def test_pension_no_is_not_dispensing(run):
    r = run("assess", PERSON / "pension_no.yaml")
    assert "dispensing" not in r.stderr


# ---- labels --------------------------------------------------------------------------------------
def _facts(run, tmp_path, text: str) -> dict:
    path = tmp_path / "incident.yaml"
    path.write_text(text, encoding="utf-8")
    r = run("assess", path, "--format", "json")
    assert r.code == 0, r.stderr
    return json.loads(r.stdout)["facts"]


def test_japanese_labels_are_values(run, tmp_path):
    facts = _facts(run, tmp_path, """\
business: {name: 株式会社〇〇, sector: 民間事業者, role: 自ら取り扱う, supervision_delegated: いいえ}
event: {kinds: [漏えい], status: 発生した, causes: [ランサムウェア], location: 自社}
data:
  status: 個人データ
  items: [氏名, マイナンバー, 基礎年金番号, ＭＹ_ＮＵＭＢＥＲ]
  encryption: なし
affected: {number: 12, contact_details: 保有しており連絡できる}
dates: {learned: 2025-12-26}
""")
    assert facts["data.items"] == ["basic_pension_number", "my_number", "name"]
    assert facts["business.sector"] == "private"
    assert facts["business.supervision_delegated"] is False
    assert facts["event.causes"] == ["ransomware"]
    assert facts["affected.contact_details"] == "held"


def test_a_single_value_where_a_list_is_expected(run, tmp_path):
    facts = _facts(run, tmp_path, "event: {kinds: 漏えい, status: occurred}\n"
                                  "data: {items: クレジットカード番号}\ndates: {learned: 2025-12-26}\n")
    assert facts["event.kinds"] == ["leak"]
    assert facts["data.items"] == ["credit_card_number"]


def test_unknown_in_japanese(run, tmp_path):
    facts = _facts(run, tmp_path, "event: {kinds: [leak], status: 不明}\ndates: {learned: 2025-12-26}\n")
    assert "event.status" not in facts


def test_a_word_that_fits_two_values_is_refused():
    from engine.incident_input import _code
    lex = Lexicon("x.y", "enum", ("a", "b"), {"a": {"ja": "連絡先（本人）"}, "b": {"ja": "連絡先（家族）"}})
    lex.add("a", ["連絡先", "本人"])
    lex.add("b", ["連絡先", "家族"])
    doc = helpers.parse_yaml("x: {y: 連絡先}\n", "f.yaml")
    errors: list = []
    assert _code(doc, ("x", "y"), "本人", lex, errors) == "a" and not errors
    _code(doc, ("x", "y"), "連絡先", lex, errors)
    assert len(errors) == 1 and "could mean 'a（連絡先（本人））' or 'b" in str(errors[0])
    assert str(errors[0]).startswith("f.yaml:1:")


def test_suggestions_use_words_then_spelling():
    items = lexicons()["data.items"]
    assert suggest("pension_no", items)[0] == "basic_pension_number"
    assert suggest("credit_card_numbr", items)[0] == "credit_card_number"
    assert suggest("年金", items) == ["basic_pension_number"]
    assert suggest("adress", items)[0] == "address"


# ---- dates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["2025-12-26", "2025/12/26", "2025.12.26", "2025年12月26日",
                                  "令和7年12月26日", "R7.12.26", "r7/12/26", "２０２５／１２／２６",
                                  "20251226", "2025/12/26（金）", "令和7年12月26日(金)"])
def test_date_forms(text):
    assert dateforms.parse(text) == _dt.date(2025, 12, 26)


def test_first_year_of_an_era_and_era_bounds():
    assert dateforms.parse("令和元年5月1日") == _dt.date(2019, 5, 1)
    assert dateforms.parse("平成31年4月30日") == _dt.date(2019, 4, 30)
    with pytest.raises(dateforms.DateFormError, match="not a date of the 令和 era"):
        dateforms.parse("令和元年4月1日")
    with pytest.raises(dateforms.DateFormError, match="no year"):
        dateforms.parse("12/26")
    with pytest.raises(dateforms.DateFormError, match="not a real calendar date"):
        dateforms.parse("2025/2/30")


# ---- one status per kind -------------------------------------------------------------------------
def _assess(data: dict) -> dict:
    from engine.assess import Engine
    return Engine().assess(helpers.incident(data), _dt.date(2025, 12, 26))


def test_status_per_kind_derives_what_occurred_and_what_is_suspected():
    doc = helpers.incident({"event": {"kinds": ["漏えい", "毀損"],
                                      "status": {"毀損": "発生", "漏えい": "おそれ"}},
                            "dates": {"learned": "2025-12-26"}})
    ev = doc.data["event"]
    assert ev["status"] == ["occurred", "suspected"]
    assert ev["occurred_kinds"] == ["damage"] and ev["suspected_kinds"] == ["leak"]


def test_status_unknown_for_known_kinds_leaves_them_possible():
    doc = helpers.incident({"event": {"kinds": ["leak"], "status": "unknown"},
                            "dates": {"learned": "2025-12-26"}})
    ev = doc.data["event"]
    assert ev["occurred_kinds"] == [] and ev["occurred_kinds_possible"] == ["leak"]


def test_derived_facts_are_asked_through_the_status():
    a = _assess({"business": {"sector": "private", "role": "own"},
                 "event": {"kinds": ["leak", "damage"], "causes": ["ransomware"]},
                 "data": {"status": "personal_data"}, "dates": {"learned": "2025-12-26"}})
    asked = {q["fact"] for q in a["questions"]}
    assert "event.status" in asked
    assert not asked & {"event.occurred_kinds", "event.suspected_kinds"}


# ---- dated measures ------------------------------------------------------------------------------
def test_dated_measures():
    doc = helpers.incident({"response": {"taken": [{"action": "ppc_report", "on": "2025-12-27"},
                                                   "internal_report", {"action": "本人への通知"}]},
                            "dates": {"learned": "2025-12-26"}})
    assert doc.data["response"]["taken"] == ["ppc_report", "internal_report", "individuals_notified"]
    assert doc.data["response"]["taken_on"] == {"ppc_report": "2025-12-27"}


def test_a_dated_measure_with_a_date_in_another_form(run, tmp_path):
    path = tmp_path / "i.yaml"
    path.write_text("dates: {learned: 2025-12-26}\nresponse:\n  taken:\n"
                    "    - {action: ppc_report, on: 2025/12/27}\n", encoding="utf-8")
    r = run("assess", path)
    assert r.code == 2 and "write 2025-12-27" in r.stderr and ":4:" in r.stderr


# ---- a request that refers to the incident it is about -------------------------------------------
def test_request_referring_to_an_incident_equals_the_restated_one(run, tmp_path):
    example = ROOT / "examples" / "erasure-request-after-leak.yaml"
    whole = helpers.yaml.safe_load(example.read_text(encoding="utf-8"))
    breach = {k: v for k, v in whole.items() if k != "request"}
    breach["incident"] = {"id": "clinic-leak", "title": "健診結果の誤送信"}
    (tmp_path / "leak.yaml").write_text(helpers.dump(breach), encoding="utf-8")
    request = {"incident": {"id": "example-erasure-request", "title": whole["incident"]["title"],
                            "refers_to": "leak.yaml"}, "request": whole["request"]}
    (tmp_path / "request.yaml").write_text(helpers.dump(request), encoding="utf-8")
    shutil.copyfile(example, tmp_path / "whole.yaml")
    got = json.loads(run("assess", tmp_path / "request.yaml", "--format", "json").stdout)
    want = json.loads(run("assess", tmp_path / "whole.yaml", "--format", "json").stdout)
    assert got["conclusions"] == want["conclusions"]
    assert got["questions"] == want["questions"] == []
    statuses = {c["code"]: c["status"] for c in got["conclusions"]}
    assert statuses["request.ground.reportable_event"] == "established"


def test_request_restating_a_fact_differently_is_refused(run, tmp_path):
    (tmp_path / "leak.yaml").write_text("event: {kinds: [leak], status: occurred}\n"
                                        "dates: {learned: 2024-09-02}\n", encoding="utf-8")
    (tmp_path / "req.yaml").write_text("incident: {id: r, refers_to: leak.yaml}\n"
                                       "event: {kinds: [loss]}\n"
                                       "request: {received: 2024-09-10, kinds: [erase]}\n",
                                       encoding="utf-8")
    r = run("assess", tmp_path / "req.yaml")
    assert r.code == 2 and "event.kinds differs from" in r.stderr
