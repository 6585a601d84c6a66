"""The `appi-kb` command: each command's output, exit codes and determinism."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import jsonschema
import pytest

import cli
from conftest import BAD, DATA, INCIDENTS, ROOT

# how `test` names the knowledge base it used (the version moves with each release)
from engine.paths import RULES_DIR  # noqa: E402
from engine.yamlio import load_yaml  # noqa: E402

KB_LINE = f"knowledge base: appi-kb {load_yaml(RULES_DIR / 'kb.yaml').data['kb']['version']} (rules)"

CARD = INCIDENTS / "card_leak.yaml"
ENTRUSTEE = INCIDENTS / "entrustee_notified.yaml"
OPEN = INCIDENTS / "open_questions.yaml"


# ---- help ------------------------------------------------------------------------------------
def test_help_documents_exit_codes_and_commands(run):
    r = run("--help")
    assert r.code == 0
    for words in ("0  done", "1  fixtures failed", "2  bad input", "3  engine fault"):
        assert words in r.stdout
    for command in ("assess", "explain", "validate", "test", "rules"):
        assert re.search(rf"^\s+{command}\s", r.stdout, re.M), command


@pytest.mark.parametrize("command", ["assess", "explain", "validate", "test", "rules"])
def test_each_command_help_teaches_with_an_example(run, command):
    r = run(command, "--help")
    assert r.code == 0
    assert "Example:" in r.stdout
    assert f"appi-kb {command}" in r.stdout


def test_unknown_option_is_a_usage_error(run):
    r = run("assess", CARD, "--fromat", "json")
    assert r.code == 2
    assert "No such option" in r.stderr and r.stdout == ""


# ---- assess ----------------------------------------------------------------------------------
def test_assess_text_is_japanese_and_starts_with_the_decision(run):
    r = run("assess", CARD, "--today", "2024-04-02")
    assert r.code == 0, r.stderr
    assert r.stderr == ""
    lines = r.stdout.splitlines()
    decision = lines[lines.index("■ 結論") + 1:]
    decision = decision[:decision.index("")]
    assert [ln for ln in decision if ln.startswith("● ")] == [
        "● 個人情報保護委員会への報告義務：あり（根拠：法26条1項本文）",
        "● 本人への通知義務：あり（根拠：法26条2項本文）"]
    # the items the duty rests on, on the line under it (not 'report items: applies' and the like)
    assert "  該当する事由：規則7条2号（財産的被害のおそれ）、規則7条3号（不正の目的によるおそれ）" in decision
    assert "ECサイトのカード情報漏えい（demo）" in r.stdout
    assert "本日：2024-04-02（火）" in r.stdout


def test_assess_is_one_screen_with_decision_dates_and_next_steps(run, tmp_path):
    """Issue 9's done-when: the bundled example shows decision, dates and next steps in 40 lines."""
    # the example as it stood before any step was taken (it records the 速報 filed on 4/2)
    import yaml
    data = yaml.safe_load((ROOT / "examples" / "online-shop-card-leak.yaml").read_text(encoding="utf-8"))
    data.pop("response")
    before = tmp_path / "online-shop-card-leak.yaml"
    before.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    r = run("assess", before, "--today", "2024-04-02")
    assert r.code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) <= 40, len(lines)
    head = "\n".join(lines)
    assert "● 個人情報保護委員会への報告義務：あり" in head
    assert "速報（知った後、速やかに）：2024-04-03（水）〜2024-04-05（金） — あと1〜3日" in head
    assert "確報（全ての報告事項）：2024-05-30（木）まで — あと58日" in head
    steps = r.stdout.split("■ 次にすること\n")[1].split("\n\n")[0].splitlines()
    # most urgent first: the initial steps, then the preliminary report by its last day
    assert steps[0].startswith("・事故の可能性の把握と初期対応：責任ある立場の者への報告、")
    assert steps[1] == "・2024-04-05（金）まで：個人情報保護委員会への報告（速報） — あと3日"
    assert "・2024-05-30（木）まで：個人情報保護委員会への確報 — あと58日" in steps
    assert "：該当" not in r.stdout and "未実施" not in r.stdout


def test_assess_today_counts_from_env_as_of_and_flag(run, monkeypatch):
    """--today, else APPI_KB_TODAY, else --as-of: after the window it says the window has passed."""
    monkeypatch.setenv("APPI_KB_TODAY", "2024-04-10")
    r = run("assess", CARD)
    assert "目安の期間を5日過ぎています" in r.stdout and "本日：2024-04-10（水）" in r.stdout
    assert "あと50日" in r.stdout
    r = run("assess", CARD, "--today", "2024-04-05")
    assert "本日が目安の最終日" in r.stdout
    monkeypatch.delenv("APPI_KB_TODAY")
    r = run("assess", CARD, "--as-of", "2024-04-08")
    assert "本日：2024-04-08（月）" in r.stdout and "目安の期間を3日過ぎています" in r.stdout
    r = run("assess", CARD, "--today", "2024-02-30")
    assert r.code == 2 and "--today" in r.stderr and r.stdout == ""


def test_assess_full_and_sections(run):
    summary = run("assess", CARD, "--today", "2024-04-02").stdout
    full = run("assess", CARD, "--today", "2024-04-02", "--full").stdout
    assert full.startswith(summary.split("■ 詳細")[0])          # the one-screen answer first
    for title in ("■ 個人情報保護委員会への報告", "■ 講ずべき措置（対応計画）", "■ 根拠条文", "■ 再現情報"):
        assert title not in summary and title in full
    only = run("assess", CARD, "--section", "measures", "--section", "dates").stdout
    titles = [ln for ln in only.splitlines() if ln.startswith("■ ")]
    assert titles == ["■ 講ずべき措置（対応計画）", "■ 期限・目安"]
    bad = run("assess", CARD, "--section", "meazures")
    assert bad.code == 2 and "did you mean 'measures'?" in bad.stderr and bad.stdout == ""


def test_assess_english(run):
    r = run("assess", CARD, "--lang", "en", "--full")
    assert r.code == 0
    assert "● Duty to report to the PPC: yes" in r.stdout      # followed by its basis
    assert "■ Sources" in r.stdout
    assert "報告義務" not in r.stdout.split("■ Sources")[0].split("■ Decision")[1]


def test_assess_markdown(run):
    r = run("assess", CARD, "--format", "markdown", "--full", "--section", "report",
            "--section", "sources")
    assert r.code == 0
    assert r.stdout.startswith("# 個人情報保護法に基づく判定\n")
    assert "## 個人情報保護委員会への報告" in r.stdout
    assert "### 個人情報保護委員会への報告義務：あり" in r.stdout
    assert re.search(r"^> 「個人情報取扱事業者は、", r.stdout, re.M)
    summary = run("assess", CARD, "--format", "markdown").stdout
    assert "\n## 結論\n" in summary and "\n## 個人情報保護委員会への報告\n" not in summary


def test_assess_json_conforms_to_the_schema(run):
    r = run("assess", CARD, "--format", "json")
    assert r.code == 0
    doc = json.loads(r.stdout)
    schema = json.loads((ROOT / "schemas" / "assessment.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(doc)
    assert doc["receipt"]["as_of_source"] == "dates.learned"
    assert {c["code"]: c["status"] for c in doc["conclusions"]}["report_duty"] == "established"


def test_assess_json_is_canonical_and_byte_identical(run):
    first = run("assess", CARD, "--format", "json")
    second = run("assess", CARD, "--format", "json")
    assert first.stdout_bytes == second.stdout_bytes
    assert first.stdout.endswith("}\n")
    canonical = json.dumps(json.loads(first.stdout), sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    assert first.stdout == canonical
    assert "\\u" not in first.stdout          # Japanese written as text, not escaped


def test_assess_as_of_is_used_and_recorded(run):
    r = run("assess", CARD, "--format", "json", "--as-of", "2024-03-31")
    doc = json.loads(r.stdout)
    assert doc["as_of"] == "2024-03-31"
    assert doc["receipt"]["as_of_source"] == "--as-of"
    text = run("assess", CARD, "--as-of", "2024-03-31").stdout
    assert "--as-of で指定" in text


def test_assess_exception_applied(run):
    """Issue 7.5: the exception is on the decision's line with its clause; no internal ids."""
    r = run("assess", ENTRUSTEE, "--full")
    assert r.code == 0
    assert ("● 個人情報保護委員会への報告義務：なし（例外により除外） — 法26条1項ただし書"
            "（委託元に通知した委託先の報告義務の免除）") in r.stdout
    decision = r.stdout.split("■ 結論")[1].split("■ ")[0]
    assert "該当する事由（ただし例外を適用）：規則7条2号（財産的被害のおそれ）、規則7条3号" in decision
    assert "例外の根拠となった事実：当該個人データに関する立場：委託先、委託元への通知：はい" in decision
    applied = r.stdout.split("■ 適用された例外")[1].split("■ ")[0]
    assert "法26条1項ただし書" in applied
    prose = r.stdout.split("■ 再現情報")[0]
    assert not re.search(r"act26|reg\d|@\d", prose), re.search(r".*(act26|reg\d|@\d).*", prose).group()


def test_assess_open_questions_and_reviews(run):
    r = run("assess", OPEN, "--full")
    assert r.code == 0
    assert "● 個人情報保護委員会への報告義務：未確定" in r.stdout
    open_points = r.stdout.split("■ 未確定の事項")[1].split("■ ")[0]
    assert "漏えい等は発生しましたか" in open_points          # x-question of event.status
    assert "影響する判断：個人情報保護委員会への報告義務" in open_points
    assert "記入欄：event.status" in open_points
    reviews = r.stdout.split("■ 要検討")[1].split("■ ")[0]
    assert "（法26条2項ただし書" in reviews and "「ただし、本人への通知が困難な場合" in reviews
    assert "act26-2.proviso" not in reviews


def _python_env(seed: str) -> dict:
    env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONIOENCODING="ascii", LC_ALL="C")
    env.pop("PYTHONPATH", None)
    return env


def test_subprocess_python_cli_py_from_the_checkout(run):
    """`python cli.py` works without installing, and two processes with different hash seeds
    (and an ASCII locale) write the same bytes as the in-process run."""
    rel = CARD.relative_to(ROOT)
    outs = []
    for seed in ("1", "2"):
        proc = subprocess.run([sys.executable, "cli.py", "assess", str(rel), "--format", "json"],
                              cwd=ROOT, capture_output=True, env=_python_env(seed), timeout=300)
        assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
        assert proc.stderr == b""
        outs.append(proc.stdout)
    assert outs[0] == outs[1]
    assert outs[0] == run("assess", CARD, "--format", "json").stdout_bytes
    text = subprocess.run([sys.executable, "cli.py", "assess", str(rel)], cwd=ROOT,
                          capture_output=True, env=_python_env("3"), timeout=300)
    assert text.returncode == 0
    assert "報告義務：あり" in text.stdout.decode("utf-8")


def test_subprocess_bad_input_has_no_traceback():
    proc = subprocess.run([sys.executable, "cli.py", "assess", "tests/bad/unknown_data_item.yaml"],
                          cwd=ROOT, capture_output=True, env=_python_env("0"), timeout=300)
    assert proc.returncode == 2
    assert proc.stdout == b""
    err = proc.stderr.decode("utf-8")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("tests/bad/unknown_data_item.yaml:5: ")


# ---- explain ---------------------------------------------------------------------------------
def test_explain_headlines_by_default(run):
    r = run("explain", CARD)
    assert r.code == 0
    heads = [ln for ln in r.stdout.splitlines() if ln.startswith("● ")]
    assert heads == ["● report_duty 個人情報保護委員会への報告義務：あり (established)",
                     "● notice_duty 本人への通知義務：あり (established)"]
    assert re.search(r"ルール act26-1@1 .*：成立 \(holds\)  rules/law/appi/art26\.yaml:\d+", r.stdout)
    assert "引用 法26条1項本文 [" in r.stdout
    assert 'event.causes = ["unauthorised_access"]' in r.stdout
    assert "（上記参照）" in r.stdout                  # shared premises are expanded once
    assert "検討した例外：" in r.stdout and "act26-1.proviso@1" in r.stdout


def test_explain_one_conclusion_recursively(run):
    r = run("explain", CARD, "reg7.item2", "--lang", "en")
    assert r.code == 0
    lines = r.stdout.splitlines()
    assert lines[3].startswith("● reg7.item2 ")
    nested = [ln for ln in lines if ln.lstrip().startswith("● ") and ln.startswith("    ")]
    assert any("data.property_damage_risk" in ln for ln in nested)
    assert "data.items = [" in r.stdout
    assert "rests on:" in r.stdout


def test_explain_marks_unknown_facts(run):
    r = run("explain", OPEN, "report_duty")
    assert r.code == 0
    assert "event.status = ? (不明)" in r.stdout


def test_explain_exception_with_the_facts_that_made_it_hold(run):
    r = run("explain", ENTRUSTEE, "report_duty", "--lang", "en")
    assert r.code == 0
    lines = r.stdout.splitlines()
    assert "● report_duty Duty to report to the PPC: excluded (an exception applies) (excluded)" in lines
    assert "    Exception applied: act26-1.proviso" in lines
    # the exceptions weighed for act26-1 itself (the excluded main text now also shows its premises)
    start = r.stdout.index("\n    act26-1.proviso@1 ") + 1
    block = r.stdout[start:]
    assert block.split("\n", 1)[0].endswith(": holds")
    assert "        entrustment.notified_entrustor = true" in block.split("\n    act26-2", 1)[0]
    assert "quote 法26条1項ただし書 [" in block


def test_explain_unknown_conclusion_suggests(run):
    r = run("explain", CARD, "report_dutty")
    assert r.code == 2 and r.stdout == ""
    assert r.stderr == "CONCLUSION: unknown conclusion 'report_dutty' — did you mean 'report_duty'?\n"


def test_explain_conclusion_not_in_force(run):
    r = run("explain", CARD, "reg7.acquiring_data_event", "--as-of", "2024-03-31")
    assert r.code == 2 and r.stdout == ""
    assert "has no rule in force on 2024-03-31" in r.stderr


# ---- rules -----------------------------------------------------------------------------------
def test_rules_lists_every_rule_by_file(run, engine):
    r = run("rules")
    assert r.code == 0
    assert re.search(r"^rules/law/appi/art26\.yaml  act26 — ", r.stdout, re.M)
    assert re.search(r"^  act26-1\.proviso +exception +v1 2022-04-01\.\. +委託元に通知した", r.stdout, re.M)
    for rid in engine.kb.rules:
        assert re.search(rf"^  {re.escape(rid)} ", r.stdout, re.M), rid
    assert r.stdout.rstrip().endswith(f"{len(engine.kb.rules)} 件のルール")


def test_rules_shows_one_rule_with_versions_and_citations(run):
    r = run("rules", "reg7.item3", "--lang", "en")
    assert r.code == 0
    assert r.stdout.startswith("reg7.item3 — ")
    assert "■ version 1  in force: 2022-04-01 to 2024-03-31" in r.stdout
    assert "■ version 2  in force: 2024-04-01 to (no end)" in r.stdout
    assert "    conclude: reg7.item3" in r.stdout
    assert "    ● 規則7条3号 [" in r.stdout
    assert "exceptions that override this rule: reg7.encryption-exclusion" in r.stdout


def test_rules_unknown_id_suggests(run):
    r = run("rules", "act26-1.provisso")
    assert r.code == 2 and r.stdout == ""
    assert r.stderr == "ID: unknown rule or parameter id 'act26-1.provisso' — did you mean 'act26-1.proviso'?\n"


# ---- validate --------------------------------------------------------------------------------
def test_validate_the_project(run):
    r = run("validate")
    assert r.code == 0, r.stderr
    assert re.match(r"OK: checked (?:\d+ draft templates, )?[1-9]\d* fixtures, [1-9]\d* incidents, 1 KB manifest, \d+ rule files.*; "
                    r"compiled on \d+ date\(s\); knowledge base appi-kb \S+ \(rules\): "
                    r"0 error\(s\), \d+ warning\(s\)\n$", r.stdout)
    warnings = [ln for ln in r.stderr.splitlines() if ln.startswith("warning: ")]
    assert all("unverified citation" in w for w in warnings)
    assert f"{len(warnings)} warning(s): unverified citations" in r.stderr


def test_validate_paths_by_kind(run):
    r = run("validate", DATA / "fixtures" / "pass", INCIDENTS, ROOT / "rules" / "law" / "appi" / "art26.yaml")
    assert r.code == 0, r.stderr
    assert "2 fixtures, 5 incidents" in r.stdout and "rule files" in r.stdout


def test_validate_fixture_expectations_against_the_kb(run):
    r = run("validate", DATA / "fixtures" / "bad" / "unknown-names.yaml")
    assert r.code == 2
    lines = r.stderr.splitlines()
    assert "tests/data/fixtures/bad/unknown-names.yaml:10: expect.conclusions: unknown conclusion code "\
           "'report_dutty' — did you mean 'report_duty'?" in lines
    assert any(ln.startswith("tests/data/fixtures/bad/unknown-names.yaml:11: expect.rules_hold")
               and "did you mean 'act26-1.proviso'?" in ln for ln in lines)
    assert any(":12: expect.questions: unknown fact name 'event.statuss'" in ln for ln in lines)
    assert r.stdout.startswith("FAILED:") and "3 error(s)" in r.stdout


def test_validate_rule_file_outside_a_kb_is_schema_checked(run):
    r = run("validate", BAD / "rules" / "missing_citation.yaml")
    assert r.code == 2
    assert "tests/bad/rules/missing_citation.yaml:11: missing required key 'citations'" in r.stderr
    assert "checked against the schema only" in r.stderr


def test_validate_unknown_schema(run, tmp_path):
    path = tmp_path / "odd.yaml"
    path.write_text("$schema: ../schemas/rules.schema.json\nrules: []\n", encoding="utf-8")
    r = run("validate", path)
    assert r.code == 2
    assert f"{path}:1: $schema '../schemas/rules.schema.json' is not one of the project's schemas" in r.stderr
    assert "did you mean 'rule.schema.json'?" in r.stderr


CYCLE = """\
    $schema: ../../../schemas/rule.schema.json
    unit:
      id: cycle.test
      title: {ja: 循環のテスト, en: Cycle test}
      source_type: guideline
    conclusions:
      - {code: cycle.a, label: {ja: A, en: A}, section: event}
      - {code: cycle.b, label: {ja: B, en: B}, section: event}
    rules:
      - id: cycle.a
        label: {ja: A, en: A}
        versions:
          - version: 1
            valid_from: 2022-04-01
            citations: [{type: seed_example, seed_example: SE-01, quote: テスト, status: unverified}]
            when: {not: {conclusion: cycle.b}}
            then: {conclude: cycle.a}
      - id: cycle.b
        label: {ja: B, en: B}
        versions:
          - version: 1
            valid_from: 2022-04-01
            valid_to: 2029-12-31
            citations: [{type: seed_example, seed_example: SE-01, quote: テスト, status: unverified}]
            when: {fact: event.status, includes: occurred}
            then: {conclude: cycle.b}
          - version: 2
            valid_from: 2030-01-01
            citations: [{type: seed_example, seed_example: SE-01, quote: テスト, status: unverified}]
            when: {not: {conclusion: cycle.a}}
            then: {conclude: cycle.b}
"""


def test_validate_compiles_on_every_boundary_date(run, tmp_path):
    """A dependency cycle that exists only from 2030 is found: the KB is compiled on each date a
    version starts or ends, not only today."""
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "guideline" / "general" / "cycle.yaml").write_text(textwrap.dedent(CYCLE), encoding="utf-8")
    r = run("validate", rules / "kb.yaml")
    assert r.code == 2
    cycle = [ln for ln in r.stderr.splitlines() if "depend on each other in a circle" in ln]
    assert len(cycle) == 1, r.stderr
    assert "(with the rules in force on 2030-01-01)" in cycle[0]
    assert "cycle.yaml:" in cycle[0]
    assert r.stdout.startswith("FAILED:")


# ---- test ------------------------------------------------------------------------------------
def test_test_command_all_pass(run):
    r = run("test", DATA / "fixtures" / "pass")
    assert r.code == 0
    assert r.stdout.splitlines() == ["PASS cli-card-leak", "PASS cli-entrustee-notified",
                                     KB_LINE, "2 passed, 0 failed"]


def test_test_command_reports_failures(run):
    r = run("test", DATA / "fixtures" / "fail")
    assert r.code == 1
    lines = r.stdout.splitlines()
    assert lines[0] == "FAIL cli-card-leak-wrong (tests/data/fixtures/fail/card-leak-wrong.yaml)"
    assert lines[1] == "    conclusion report_duty: expected not_established, got established"
    assert "PASS cli-card-leak-copy" in lines
    assert lines[-1] == "1 passed, 1 failed"


def test_test_command_with_no_fixtures(run, tmp_path):
    r = run("test", tmp_path)
    assert r.code == 0
    assert r.stdout == KB_LINE + "\n0 passed, 0 failed\n"
    assert "no fixtures found" in r.stderr


# ---- engine faults ---------------------------------------------------------------------------
class _Broken:
    def __init__(self, exc: Exception, real) -> None:
        self.exc, self.kb = exc, real.kb

    def assess(self, doc, as_of=None):
        raise self.exc


@pytest.mark.parametrize("exc,words", [
    (__import__("engine.errors", fromlist=["EngineError"]).EngineError("durable-rules failed in stratum 0"),
     "engine fault: durable-rules failed in stratum 0 — this is a bug in appi-kb"),
    (KeyError("boom"), "internal error: KeyError: 'boom' — this is a bug in appi-kb"),
])
def test_engine_fault_exit_3_one_line(run, monkeypatch, engine, exc, words):
    monkeypatch.delenv("APPI_KB_DEBUG", raising=False)
    monkeypatch.setattr(cli, "_engine", lambda: _Broken(exc, engine))
    r = run("assess", CARD)
    assert r.code == 3
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and words in r.stderr


# ---- never blank (issue 7.4) -------------------------------------------------------------------
def test_an_incident_with_only_a_count_and_a_date_is_undetermined_not_blank(run):
    path = INCIDENTS / "only_count_and_date.yaml"
    doc = json.loads(run("assess", path, "--format", "json").stdout)
    status = {c["code"]: (c["status"], c["displayed"]) for c in doc["conclusions"]}
    assert status["report_duty"] == ("undetermined", True)
    assert status["notice_duty"] == ("undetermined", True)
    facts = {q["fact"] for q in doc["questions"]}
    assert {"event.status", "data.items", "business.sector"} <= facts
    for args in ([], ["--full"]):
        out = run("assess", path, "--today", "2024-05-01", *args).stdout
        decision = out.split("■ 結論\n")[1].split("\n\n")[0]
        assert "● 個人情報保護委員会への報告義務：未確定" in decision
        assert "● 本人への通知義務：未確定" in decision
        assert "決め手となる事実：" in decision
        assert "漏えい等は発生しましたか" in out        # what happened is asked (event.status)
    full = run("assess", path, "--full").stdout
    assert full.split("■ 未確定の事項\n")[1].split("\n")[0] != "なし"


def test_a_due_date_that_depends_on_open_points_names_each_other_date_once(run):
    # with the kind of business and the items open, the 確報 is due in 30 days (APPI, a public
    # body) or 60 (item 3): several grounds give the same later day, and the line says it once
    path = INCIDENTS / "only_count_and_date.yaml"
    doc = json.loads(run("assess", path, "--format", "json").stdout)
    final = next(c for c in doc["conclusions"] if c["code"] == "report.final")
    alts = [a["due"] for a in final["deadline_alternatives"]]
    assert len(alts) > len(set(alts) - {final["deadline"]["due"]})      # the case: repeats
    out = run("assess", path, "--today", "2024-05-01").stdout
    line = next(x for x in out.splitlines() if x.startswith("確報"))
    others = sorted(set(alts) - {final["deadline"]["due"]})
    assert others and "未確定の点によっては " in line
    for d in others + [final["deadline"]["due"]]:
        assert line.count(d) == 1, (d, line)


def test_an_input_with_no_facts_at_all_shows_every_duty_undetermined(run, tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("business: {name: 株式会社テスト}\n", encoding="utf-8")
    r = run("assess", path, "--as-of", "2024-05-01")
    assert r.code == 0
    assert "● 個人情報保護委員会への報告義務：未確定" in r.stdout
    assert "決め手となる事実：" in r.stdout
