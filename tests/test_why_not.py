"""Never bare (issue 7.4): a negative decision lists each ground checked and why it fails.

The assessment's `why_not` (engine/grounds.py, evaluating each literal with engine/literal.py)
is checked for structure, and the text, Markdown and explain output for the words a reader sees:
every item of the regulation with its reason, the public-body ground, the rule version in force
when the date decided it.
"""
from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from conftest import INCIDENTS, ROOT

MISDELIVERY = INCIDENTS / "misdelivery_300.yaml"


def _fixture_incident(tmp_path, name: str):
    data = yaml.safe_load((ROOT / "fixtures" / f"{name}.yaml").read_text(encoding="utf-8"))
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data["incident"], allow_unicode=True), encoding="utf-8")
    return path, data.get("as_of")


def _concl(a: dict) -> dict:
    return {c["code"]: c for c in a["conclusions"]}


@pytest.fixture(scope="module")
def misdelivery(engine):
    from engine.assess import load_incident
    return engine.assess(load_incident(MISDELIVERY))


def test_why_not_lists_every_rule_and_its_failing_condition(misdelivery):
    c = _concl(misdelivery)
    assert c["report_duty"]["status"] == "not_established"
    rules = [w["rule"] for w in c["report_duty"]["why_not"]]
    producers = sorted(r["id"] for r in c["report_duty"]["rules"])
    assert rules == producers                           # every ground, none left out
    act26 = next(w for w in c["report_duty"]["why_not"] if w["rule"] == "act26-1")
    assert act26["fails"] == {"conclusion": "reg7.reportable", "positive": True,
                              "status": "not_established"}
    (reportable,) = c["reg7.reportable"]["why_not"]
    items = [leaf["conclusion"] for leaf in reportable["fails"]["any"]]
    assert items == ["reg7.item1", "reg7.item2", "reg7.item3", "reg7.item4"]
    (item4,) = c["reg7.item4"]["why_not"]
    assert item4["fails"] == {"fact": "affected.number_max", "op": "greater_than", "expected": 1000,
                              "positive": True, "value": 300}
    sensitive = c["data.sensitive"]["why_not"]
    assert {w["fails"]["fact"] for w in sensitive} == {"data.items"}
    assert all(w["fails"]["value"] == ["address", "name"] for w in sensitive)


def test_why_not_is_only_for_what_does_not_hold(assess, misdelivery):
    for a in (misdelivery, assess("card_leak")):
        for c in a["conclusions"]:
            if "why_not" in c:
                assert c["status"] in ("not_established", "excluded"), c["code"]
    card = _concl(assess("card_leak"))
    assert "why_not" not in card["report_duty"]


def test_why_not_conforms_to_the_schema(misdelivery):
    schema = json.loads((ROOT / "schemas" / "assessment.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(misdelivery)


def test_a_300_person_misdelivery_says_why_for_all_four_items(run):
    out = run("assess", MISDELIVERY, "--today", "2024-05-02").stdout
    decision = out.split("■ 結論\n")[1].split("\n\n")[0]
    lines = decision.splitlines()
    assert lines[0] == "● 個人情報保護委員会への報告義務はない"
    assert lines[1] == ("  ・法26条1項本文（個人情報保護委員会への報告）：報告対象事態（規則7条各号のいずれか）"
                        "：非該当")
    # every item, each with its reason (items failing for the same reason share a line)
    assert lines[2:5] == [
        "    ・規則7条1号（要配慮個人情報）、規則7条2号（財産的被害のおそれ）：非該当 — "
        "漏えい等した個人データの項目：住所、氏名",
        "    ・規則7条3号（不正の目的によるおそれ）：非該当 — おそれを示す事情：なし、原因：誤送付・誤送信",
        "    ・規則7条4号（本人の数が1,000人超）：非該当 — 本人の数（最大）：300（条件：1,000を超える）"]
    assert lines[5].startswith("  ・法68条1項（行政機関等の個人情報保護委員会への報告）：非該当 — 事業者の種別：")
    # the notice duty rests on the same event: its clauses, and the reasons referred to
    assert lines[6:] == ["● 本人への通知義務はない", "  ・理由は上記と同じ（法26条2項本文、法68条2項本文）"]
    full = run("assess", MISDELIVERY, "--full").stdout
    notice = full.split("■ 本人への通知\n")[1].split("\n■ ")[0]
    # the full report's notice section stands on its own: the grounds in full
    assert "・法26条2項本文（本人への通知）：報告対象事態（規則7条各号のいずれか）：非該当\n" in notice
    assert "規則7条4号（本人の数が1,000人超）：非該当" in notice
    en = run("assess", MISDELIVERY, "--lang", "en").stdout
    assert ("- Rules art. 7(4): more than 1,000 people: does not apply — number of people (upper bound): "
            "300 (required: more than 1,000)") in en
    assert "for the same reasons as above (Act art. 26(2) main text, Act art. 68(2) main text)" in en


def test_a_2023_web_skimming_says_why_item3_fails_before_its_widening(run, tmp_path):
    path, as_of = _fixture_incident(tmp_path, "se-30-web-skimming-before-2024")
    out = run("assess", path, "--as-of", str(as_of)).stdout
    assert "● 個人情報保護委員会への報告義務はない" in out
    assert ("・規則7条3号（不正の目的によるおそれ）［2022-04-01〜2024-03-31 の版。2024-04-01 から改正後の版］"
            "：非該当 — データの位置付け：取得しようとしている個人情報（個人データとして取り扱う予定）"
            "（条件：個人データ（既に保有））") in out
    doc = json.loads(run("assess", path, "--as-of", str(as_of), "--format", "json").stdout)
    (item3,) = _concl(doc)["reg7.item3"]["why_not"]
    assert (item3["version"], item3["valid_to"]) == (1, "2024-03-31")
    assert item3["other_versions"] == [{"version": 2, "valid_from": "2024-04-01", "valid_to": None}]


def test_the_full_report_and_markdown_carry_the_grounds(run):
    full = run("assess", MISDELIVERY, "--full").stdout
    report = full.split("■ 個人情報保護委員会への報告\n")[1].split("\n■ ")[0]
    assert "  検討した根拠：" in report and "規則7条4号（本人の数が1,000人超）：非該当" in report
    md = run("assess", MISDELIVERY, "--format", "markdown").stdout
    assert "規則7条4号（本人の数が1,000人超）：非該当 — 本人の数（最大）：300（条件：1,000を超える）" in md


def test_explain_shows_the_failing_conditions_with_their_values(run):
    out = run("explain", MISDELIVERY, "report_duty").stdout
    assert "不成立の理由：" in out
    assert "affected.number_max greater_than 1000 — 実際の値 300" in out
    assert 'data.items includes_any ["credit_card_number"] — 実際の値 ["address", "name"]' in out
    assert "いずれの選択肢も満たさない：" in out


def test_an_exception_is_a_ground_too(run):
    out = run("assess", INCIDENTS / "entrustee_notified.yaml", "--full").stdout
    report = out.split("■ 個人情報保護委員会への報告\n")[1].split("\n■ ")[0]
    assert ("・法26条1項本文（個人情報保護委員会への報告）：例外により除外 — 法26条1項ただし書"
            "（委託元に通知した委託先の報告義務の免除）") in report
