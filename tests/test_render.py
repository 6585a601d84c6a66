"""Renderers: the responder's text and Markdown views, JSON, and the UI strings.

Real assessments come from the KB; deadlines, windows and values are injected into a copy of one
(the renderer prints what the assessment contains, whatever rules produced it)."""
from __future__ import annotations

import copy
import json
import re

import pytest

from conftest import ROOT
from engine.render import json_out, markdown, render, text
from engine.render.messages import MESSAGES
from engine.render.view import build_view, heading


def _block(out: str, title: str) -> str:
    """The lines of one '■ title' block of the text view."""
    part = out.split(f"■ {title}\n", 1)[1]
    return part.split("\n■ ", 1)[0]


# ---- status words ----------------------------------------------------------------------------
LABEL = {"ja": "報告義務", "en": "Duty to report"}
NEG = {"ja": "報告義務はない", "en": "No duty to report"}


@pytest.mark.parametrize("status,headline,neg,ja,en", [
    ("established", True, None, "報告義務：あり", "Duty to report: yes"),
    ("established", False, None, "報告義務：該当", "Duty to report: applies"),
    ("not_established", True, NEG, "報告義務はない", "No duty to report"),
    ("not_established", True, None, "報告義務：なし", "Duty to report: no"),
    ("undetermined", True, NEG, "報告義務：未確定", "Duty to report: undetermined"),
    ("needs_review", True, NEG, "報告義務：要検討", "Duty to report: needs review"),
    ("excluded", True, NEG, "報告義務：除外（例外を適用）", "Duty to report: excluded (an exception applies)"),
])
def test_status_words(status, headline, neg, ja, en):
    c = {"label": LABEL, "status": status, "headline": headline, "negative_label": neg}
    assert heading(c, "ja") == ja
    assert heading(c, "en") == en


# ---- layout and content ------------------------------------------------------------------------
def test_sections_in_kb_order_and_only_displayed(assess, sections):
    a = assess("card_leak")
    out = text.render(a, "ja", sections)
    titles = [ln[2:] for ln in out.splitlines() if ln.startswith("■ ")]
    kb_titles = [s["title"]["ja"] for s in sections]
    shown = [t for t in titles if t in kb_titles]
    assert shown == [t for t in kb_titles if t in shown]          # the KB's order
    assert titles[0] == "結論"
    assert titles[-5:] == ["適用された例外", "未確定の事項", "要検討（判断が必要な事項）", "根拠条文", "再現情報"]
    hidden = [c for c in a["conclusions"] if not c["displayed"]]
    assert hidden, "the example must have conclusions that are not displayed"
    body = out.split("■ 適用された例外")[0]
    for c in hidden:
        assert f"● {c['label']['ja']}：" not in body


def test_facts_and_clauses_of_a_conclusion(assess, sections):
    out = text.render(assess("card_leak"), "ja", sections)
    event = _block(out, "事態の評価")
    assert "    ・原因：外部からの不正アクセス" in event                 # enum label from the schema
    assert "    ・漏えい等した個人データの項目：クレジットカード番号、氏名" in event
    report = _block(out, "個人情報保護委員会への報告")
    assert "  前提となった判断：報告対象事態（規則7条各号のいずれか）" in report
    assert "  根拠：法26条1項本文" in report


def test_sources_each_key_once_unverified_marked(assess, sections):
    a = assess("card_leak")
    sources = _block(text.render(a, "ja", sections, only=["sources"]), "根拠条文")
    keys = [ln[2:] for ln in sources.splitlines() if ln.startswith("● ")]
    assert len(keys) == len(set(keys))
    assert "法26条1項本文" in keys and "規則7条2号" in keys
    after = sources.split("● Q&A（SE-43）\n", 1)[1].split("\n● ", 1)[0]   # a Q&A not found
    assert "⚠ 未検証の引用" in after
    assert "— 転記（2026-11-26 確認）" in sources


def test_full_report_lists_sources_one_line_each(assess, sections):
    """The full report names each clause once, on one line with the status of its quotes; the
    quotes themselves are one `--section sources` away (125 lines of them before)."""
    a = assess("card_leak")
    compact = _block(text.render(a, "ja", sections), "根拠条文").strip().splitlines()
    detailed = _block(text.render(a, "ja", sections, only=["sources"]), "根拠条文")
    keys = [ln[2:] for ln in detailed.splitlines() if ln.startswith("● ")]
    assert len(compact) == len(keys) + 1                        # a note, then one line per clause
    assert "・法26条1項本文 — 公式の原文と照合済み（2026-12-03）（引用 2 件）" in compact
    assert any(ln.startswith("・Q&A（SE-43） — ⚠ 未検証の引用") for ln in compact)


def test_receipt_footer(assess, sections):
    a = assess("card_leak")
    receipt = _block(text.render(a, "en", sections), "Reproducibility")
    r = a["receipt"]
    assert f"Knowledge base: {r['kb_id']} {r['kb_version']}" in receipt
    assert f"SHA-256 of the rule files: {r['rules_sha256']}" in receipt
    assert "Assessment date (source): 2024-04-01 — from " in receipt and "(dates.learned)" in receipt
    assert "Schemas: assessment 2.2.0" in receipt
    assert f"durable_rules {r['engine']['durable_rules']}" in receipt


def test_exceptions_and_nothing_open(assess, sections):
    out = text.render(assess("entrustee_notified"), "ja", sections)
    applied = _block(out, "適用された例外")
    assert "● 委託元に通知した委託先の報告義務の免除\n" in applied
    assert "  打ち消された判断：個人情報保護委員会への報告義務" in applied
    assert "  根拠：法26条1項ただし書" in applied
    assert _block(out, "未確定の事項").strip() == "なし"
    assert "決め手となる事実" not in _block(out, "結論")   # judgments may remain; no questions
    report = _block(out, "個人情報保護委員会への報告")
    assert ("● 個人情報保護委員会への報告義務：なし（例外により除外） — 法26条1項ただし書"
            "（委託元に通知した委託先の報告義務の免除）") in report
    assert "  根拠：法26条1項ただし書" in report


def test_open_points_and_reviews(assess, sections):
    a = assess("open_questions")
    out = text.render(a, "ja", sections)
    open_points = _block(out, "未確定の事項")
    for q in a["questions"]:
        assert (f"● {q['question']['ja']}\n  確認が必要な事実：{q['label']['ja']}\n"
                f"  記入欄：{q['fact']}\n") in open_points
    decision = _block(out, "結論")
    assert "● 個人情報保護委員会への報告義務：未確定" in decision
    assert re.search(r"^  決め手となる事実：.*発生の確度.* ほか1件$", decision, re.M)
    attention = _block(out, "未確定の点・判断が必要な点")
    assert f"ほか {len(a['questions']) - 5} 件の質問（--section questions）" in attention
    reviews = _block(out, "要検討（判断が必要な事項）")
    for rv in a["reviews"]:
        assert f"判断が必要：{rv['question']['ja']}" in reviews
        for cit in rv["citations"]:
            assert f"「{cit['quote']}」 — {cit['key']} — " in reviews


# ---- deadlines, windows, values (injected) ----------------------------------------------------
def _with_dates(a: dict) -> dict:
    a = copy.deepcopy(a)
    report = next(c for c in a["conclusions"] if c["code"] == "report_duty")
    report["values"] = {
        "zz_days": 30,
        "items": [{"no": 1, "ja": "概要", "en": "Summary"}, {"no": 2, "ja": "項目", "en": "Items"}],
        "channel": {"ja": "個人情報保護委員会", "en": "the PPC"},
    }
    report["guidance"] = {"ja": "速やかに報告する。", "en": "Report promptly."}
    report["deadline"] = {
        "rule": "x", "days": 30, "convention": "conv", "start": "2024-04-01", "due": "2024-05-07",
        "nominal": "2024-05-03",
        "skipped": [{"date": "2024-05-03", "reason": "national_holiday:憲法記念日"},
                    {"date": "2024-05-04", "reason": "saturday"},
                    {"date": "2024-05-05", "reason": "sunday"},
                    {"date": "2024-05-06", "reason": "national_holiday:振替休日"}]}
    notice = next(c for c in a["conclusions"] if c["code"] == "notice_duty")
    notice["window"] = {"rule": "y", "from_day": 3, "to_day": 5, "start": "2024-04-01",
                        "from": "2024-04-03", "to": "2024-04-05"}
    return a


def test_deadline_window_values_ja(assess, sections):
    out = text.render(_with_dates(assess("card_leak")), "ja", sections)
    report = _block(out, "個人情報保護委員会への報告")
    assert ("  期限：2024-05-07（火）（起算日 2024-04-01 から30日）。2024-05-03 祝日（憲法記念日）、"
            "2024-05-04 土曜日、2024-05-05 日曜日、2024-05-06 祝日（振替休日）のため、2024-05-03 から 2024-05-07 に繰り下げ"
            ) in report
    assert "  事項：\n    ・1. 概要\n    ・2. 項目\n" in report      # labelled by kb.yaml value_labels
    assert "  報告先・方法：個人情報保護委員会" in report
    assert "  zz_days：30" in report
    assert "  留意事項：速やかに報告する。" in report
    notice = _block(out, "本人への通知")
    assert "  目安：2024-04-03（水）〜2024-04-05（金）（起算日 2024-04-01 から3〜5日。目安）" in notice
    dates = _block(out, "期限・目安")
    assert "個人情報保護委員会への報告義務：2024-05-07（火）まで（休日等のため 2024-05-03 から繰り下げ）" in dates
    assert "本人への通知義務：2024-04-03（水）〜2024-04-05（金）\n" in dates
    assert out.index("■ 期限・目安") < out.index("■ 個人情報保護委員会への報告")


def test_deadline_window_values_en(assess, sections):
    out = text.render(_with_dates(assess("card_leak")), "en", sections)
    assert ("Deadline: 2024-05-07 (Tue) (30 days counted from 2024-04-01); moved from 2024-05-03 to "
            "2024-05-07 because of 2024-05-03 national holiday (憲法記念日), 2024-05-04 Saturday") in out
    assert "  - 1. Summary" in out
    assert "Target: 2024-04-03 (Wed) to 2024-04-05 (Fri) (days 3-5 from 2024-04-01; a target)" in out


def test_deadline_without_start_says_what_is_missing(assess, sections):
    a = _with_dates(assess("card_leak"))
    report = next(c for c in a["conclusions"] if c["code"] == "report_duty")
    report["deadline"] = {"rule": "x", "days": 30, "convention": "conv", "start": None, "due": None,
                          "questions": [{"fact": "dates.learned",
                                         "label": {"ja": "知った日", "en": "day learned"},
                                         "question": {"ja": "いつ？", "en": "when?"}}]}
    out = text.render(a, "ja", sections)
    assert "  期限：未確定（起算日が決まらない）　要確認: 知った日" in out


def test_value_order_does_not_change_output(assess, sections):
    a = _with_dates(assess("card_leak"))
    b = copy.deepcopy(a)
    report = next(c for c in b["conclusions"] if c["code"] == "report_duty")
    report["values"] = dict(reversed(list(report["values"].items())))
    assert text.render(a, "ja", sections) == text.render(b, "ja", sections)
    assert markdown.render(a, "en", sections) == markdown.render(b, "en", sections)


# ---- markdown and JSON -------------------------------------------------------------------------
def test_markdown_has_the_same_blocks_and_entries(assess, sections):
    a = _with_dates(assess("open_questions"))
    view = build_view(a, "ja", sections)
    md = markdown.render(a, "ja", sections)
    for block in view.blocks:
        assert f"\n## {markdown.esc(block.title)}\n" in md
        for line in block.lines:
            if line.kind == "entry":
                title = markdown.esc(line.text)
                assert f"### {title}\n" in md or f"- **{title}**\n" in md, line.text
    assert "\n\n\n" not in md and md.endswith("\n") and not md.endswith("\n\n")


def test_markdown_escapes_syntax():
    assert markdown.esc("a_b*c[d]<e>") == r"a\_b\*c\[d\]\<e\>"


def test_json_renderer_is_canonical(assess):
    a = assess("card_leak")
    out = json_out.render(a, "en")
    assert out == json.dumps(a, sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    assert render(a, "json", "ja") == out


def test_render_is_deterministic(assess, sections):
    a = assess("open_questions")
    for fmt in ("text", "markdown", "json"):
        assert render(copy.deepcopy(a), fmt, "ja", sections) == render(a, fmt, "ja", sections)


def test_sections_come_from_the_assessment(assess):
    out = text.render(assess("card_leak"), "ja", None)
    assert "■ 個人情報保護委員会への報告" in out and "■ 本人への通知" in out


def test_sections_fall_back_to_ids_when_the_assessment_has_none(assess):
    a = dict(assess("card_leak"))
    del a["sections"]
    out = text.render(a, "ja", None)
    assert "■ report" in out and "■ notice" in out


# ---- UI strings and the law-is-data rule ------------------------------------------------------
def test_messages_have_the_same_keys_and_placeholders():
    assert set(MESSAGES["ja"]) == set(MESSAGES["en"])
    for key, ja in MESSAGES["ja"].items():
        assert set(re.findall(r"{(\w+)}", ja)) == set(re.findall(r"{(\w+)}", MESSAGES["en"][key])), key


def test_no_article_numbers_in_python():
    """Law is data: the CLI, the validator and the renderers name no article of any law."""
    files = [ROOT / "cli.py", ROOT / "engine" / "validate.py", *sorted((ROOT / "engine" / "render").glob("*.py"))]
    for path in files:
        src = path.read_text(encoding="utf-8")
        assert not re.search(r"\d+\s*条", src), path
        assert not re.search(r"(?:法|規則|政令)第?[一二三四五六七八九十]+条", src), path


# ---- the action plan (issue 9.1: a checklist in order of urgency, dated) -------------------------
def test_action_plan_is_a_dated_checklist_in_order_of_urgency(assess, sections):
    import datetime as _dt
    a = assess("card_leak")
    out = text.render(a, "ja", sections, only=["measures"], today=_dt.date(2024, 4, 2))
    plan = _block(out, "講ずべき措置（対応計画）")
    entries = [ln[2:] for ln in plan.splitlines() if ln.startswith("● ")]
    steps = [e for e in entries if e.startswith(("☐ ", "☑ "))]
    assert steps and not any(e.endswith("：該当") for e in steps)
    assert "未実施" not in plan
    assert steps.index("☐ 個人情報保護委員会に報告する（速報）") < steps.index("☐ 個人情報保護委員会に確報を提出する")
    report = plan.split("● ☐ 個人情報保護委員会に報告する（速報）\n")[1].split("\n● ")[0]
    assert report.startswith("  期限：2024-04-05（金） — あと3日\n")
    final = plan.split("● ☐ 個人情報保護委員会に確報を提出する\n")[1].split("\n● ")[0]
    assert final.startswith("  期限：2024-05-30（木） — あと58日\n")
    # a note on a step follows the step (who counts as 'a responsible person')
    i = entries.index("☐ 責任ある立場の者に直ちに報告する")
    assert entries[i + 1].startswith("「責任ある立場の者」の役職は限定されていない")


def test_steps_done_are_ticked_and_last(assess, sections):
    import copy
    a = copy.deepcopy(assess("card_leak"))
    for c in a["conclusions"]:
        if c["code"] == "measures.ppc_report":
            c["done"] = True
    plan = _block(text.render(a, "ja", sections, only=["measures"]), "講ずべき措置（対応計画）")
    steps = [ln[2:] for ln in plan.splitlines() if ln.startswith(("● ☐", "● ☑"))]
    assert steps[-1] == "☑ 個人情報保護委員会に報告する（速報）（実施済み）"
    out = text.render(a, "ja", sections, full=False)
    assert "・実施済み：個人情報保護委員会への報告（速報）" in out
    dates = _block(out, "期限・目安")
    assert "速報（知った後、速やかに）：2024-04-03（水）〜2024-04-05（金） — 実施済み" in dates


def test_every_documented_example_fits_one_screen_with_no_internal_ids(engine, sections):
    """Issue 9.1: the default answer is at most about 40 lines, for every fixture, in both
    languages (the decision, the dates, the next steps and the top questions come first).
    Issue 7.5: no rule id or conclusion code in the prose of the full report (the receipt and
    explain are where ids belong)."""
    import datetime as _dt

    from engine.fixtures import load_fixtures
    from engine.paths import FIXTURES_DIR
    ids = sorted(set(engine.kb.rules) | set(engine.kb.conclusions), key=len, reverse=True)
    internal = re.compile(r"(?<![\w.-])(" + "|".join(map(re.escape, ids)) + r")(?![\w-])")
    longest = (0, "")
    for fx in load_fixtures([FIXTURES_DIR]):
        a = engine.assess(fx.incident, fx.as_of)
        for lang in ("ja", "en"):
            n = len(text.render(a, lang, sections, full=False, today=_dt.date(2024, 4, 2)).splitlines())
            longest = max(longest, (n, f"{fx.id} ({lang})"))
            full = text.render(a, lang, sections, today=_dt.date(2024, 4, 2))
            prose = full.split("■ " + MESSAGES[lang]["receipt"])[0]
            found = internal.search(prose)
            assert not found, f"{fx.id} ({lang}): {found.group()}"
    # about 40: an incident under two regimes (an APPI "no" with its grounds beside the 番号法
    # duties and their exception) takes a few lines more
    assert longest[0] <= 45, f"{longest[1]}: {longest[0]} lines"
