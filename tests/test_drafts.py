"""`appi-kb draft` (issue 9, item 2): the report to the PPC, the notice and the announcement, filled
from an incident, in Markdown, JSON and .docx. What each draft fills is checked by the fixtures
under fixtures/drafts/ (the deck's filled 別記様式第一 and the 社労夢 notice); these tests check the
command, the formats and the templates' own errors."""
from __future__ import annotations

import io
import json

import pytest

from conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.mark.parametrize("kind", ["report", "notice", "publication"])
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_has_every_draft(run, kind, example):
    r = run("draft", kind, example, "--today", "2024-09-03")
    assert r.code == 0, r.stderr
    assert r.stdout.startswith("# ")
    assert "**根拠とする条項**：" in r.stdout           # the clauses it follows
    assert "**この文書が必要となる判断**：" in r.stdout  # and the conclusions that call for it
    assert "**記入状況**" in r.stdout


def test_the_report_states_its_clauses_and_variant(run):
    shop = ROOT / "examples" / "online-shop-card-leak.yaml"
    final = run("draft", "report", shop, "--today", "2024-05-28").stdout
    assert final.splitlines()[0].endswith("（確報）")        # the preliminary report is recorded as filed
    assert "規則8条1項（報告事項" in final and "法26条1項本文" in final
    pre = run("draft", "report", shop, "--variant", "preliminary", "--today", "2024-04-02").stdout
    assert "☒ 速報　☐ 確報" in pre
    assert "（把握していなければ「調査中」と記載できる）" in pre


def test_json_lists_items_and_lines(run):
    r = run("draft", "notice", ROOT / "examples" / "payroll-vendor-ransomware.yaml", "--format", "json",
            "--today", "2023-06-20")
    d = json.loads(r.stdout)
    assert d["kind"] == "notice" and set(d["items"]) == {"1", "2", "4", "5", "9"}
    assert all("filled" in ln for s in d["sections"] for ln in s["lines"])


def test_docx_is_a_word_file_and_the_same_every_time(run, tmp_path):
    from docx import Document
    shop = ROOT / "examples" / "online-shop-card-leak.yaml"
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    assert run("draft", "report", shop, "-o", a, "--today", "2024-05-28").code == 0
    assert run("draft", "report", shop, "-o", b, "--today", "2024-05-28").code == 0
    assert a.read_bytes() == b.read_bytes()
    doc = Document(io.BytesIO(a.read_bytes()))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "個人情報保護委員会への報告書" in text
    assert "☒ 漏えい" in cells and "500人" in cells


def test_docx_needs_a_file(run):
    r = run("draft", "report", ROOT / "examples" / "online-shop-card-leak.yaml", "--format", "docx")
    assert r.code == 2 and "add -o FILE.docx" in r.stderr and r.stdout == ""


def test_a_template_naming_an_unknown_fact_is_one_error_at_its_line(tmp_path):
    from engine.drafts import check_template
    from engine.errors import InputError
    from engine.yamlio import load_yaml
    text = (ROOT / "rules" / "drafts" / "notice.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "notice.yaml"
    bad.write_text(text.replace("value: {fact: data.items}", "value: {fact: data.itemz}"), encoding="utf-8")
    doc = load_yaml(bad, "notice.yaml")
    with pytest.raises(InputError) as exc:
        check_template(doc)
    line = next(i for i, ln in enumerate(bad.read_text(encoding="utf-8").splitlines(), 1) if "data.itemz" in ln)
    assert str(exc.value).startswith(f"notice.yaml:{line}: unknown fact 'data.itemz'")
    assert "did you mean 'data.items'?" in str(exc.value)


def test_validate_checks_the_templates(run):
    r = run("validate")
    assert "3 draft templates" in r.stdout


def test_an_unknown_fact_is_marked_not_guessed(run, tmp_path):
    path = tmp_path / "i.yaml"
    path.write_text("business: {name: 株式会社テスト}\nevent: {kinds: [leak], status: occurred}\n"
                    "dates: {learned: 2025-12-26}\n", encoding="utf-8")
    out = run("draft", "report", path, "--today", "2025-12-26").stdout
    assert "**発生日**：【要記入】" in out
    assert "☐？ 第1号（要配慮個人情報）" in out           # an open condition is neither ticked nor not
