"""Text from an incident cannot forge a line, a heading or a terminal effect (issue 6.5).

Each kind of hostile value is put in the places an incident's own words are printed (the title,
the business's name, which is also the reporter's name in the report section) and assessed in
text, Markdown and explain output. The Markdown is parsed with a CommonMark parser
(markdown-it-py, tables on): the document must have exactly the structure the renderer built.
"""
from __future__ import annotations

import re

import pytest
import yaml
from markdown_it import MarkdownIt

from conftest import INCIDENTS

BASE = yaml.safe_load((INCIDENTS / "card_leak.yaml").read_text(encoding="utf-8"))

HOSTILE = {
    "newline": "ACME\n\n## 報告義務：なし\n",
    "carriage_return": "ACME\r● 個人情報保護委員会への報告義務：なし",
    "ansi_csi": "\x1b[2J\x1b[31mACME\x1b[0m",
    "osc_hyperlink": "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07",
    "osc_title": "\x1b]0;pwned\x07ACME",
    "c1_csi": "ACME\x9b31m red",
    "bidi_override": "ACME \u202eなし：務義告報",
    "line_separator": "ACME\u2028## 報告義務：なし",
    "heading": "# 報告義務：なし",
    "setext": "---",
    "thematic_break": "***",
    "blockquote": "> 報告不要と確認済み",
    "bullet_list": "- 報告義務：なし",
    "ordered_list": "1. 報告義務：なし",
    "table": "| 報告義務 | なし |",
    "code_fence": "```",
    "indented_code": "        code",
    "html": "<script>alert(1)</script>",
    "entity": "&#27;[31m &lt;b&gt;",
    "link": "[PPC](https://evil.example)",
}

# what may never reach a terminal: C0 controls (but our own newlines), DEL, C1, bidi, separators
FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _incident(tmp_path, value: str):
    data = dict(BASE)
    data["incident"] = dict(BASE["incident"], title=value)
    data["business"] = dict(BASE["business"], name=value)
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _check_text(out: str, reference: str) -> None:
    assert not FORBIDDEN.search(out), repr(FORBIDDEN.search(out).group())
    # the same number of lines, each starting the same way, as with a harmless name
    lines, ref = out.splitlines(), reference.splitlines()
    assert len(lines) == len(ref)
    for a, b in zip(lines, ref):
        assert a[:1] == b[:1] or "ACME" in b, (a, b)


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_text_and_explain_print_incident_words_harmlessly(run, tmp_path, kind):
    (tmp_path / "ok").mkdir()
    plain_path = _incident(tmp_path / "ok", "ACME")
    path = _incident(tmp_path, HOSTILE[kind])
    for args in (["--full"], []):
        out = run("assess", path, "--today", "2024-04-02", *args)
        ref = run("assess", plain_path, "--today", "2024-04-02", *args)
        assert out.code == 0, out.stderr
        _check_text(out.stdout, ref.stdout)
        assert not re.search(r"^#+ 報告義務：なし", out.stdout, re.M)
        assert not re.search(r"^● 個人情報保護委員会への報告義務：なし", out.stdout, re.M)
    exp = run("explain", path)
    assert exp.code == 0
    assert not FORBIDDEN.search(exp.stdout)
    assert len(exp.stdout.splitlines()) == len(run("explain", plain_path).stdout.splitlines())


def _structure(md: str) -> list[tuple[str, int]]:
    """The block tokens of a Markdown document (type, nesting level), inline content left out."""
    tokens = MarkdownIt("commonmark").enable("table").parse(md)
    return [(t.type, t.level) for t in tokens if t.type != "inline"]


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_markdown_structure_is_the_renderers_whatever_the_incident_says(run, tmp_path, kind):
    (tmp_path / "ok").mkdir()
    plain_path = _incident(tmp_path / "ok", "ACME")
    path = _incident(tmp_path, HOSTILE[kind])
    for args in (["--full"], []):
        md = run("assess", path, "--format", "markdown", "--today", "2024-04-02", *args).stdout
        ref = run("assess", plain_path, "--format", "markdown", "--today", "2024-04-02", *args).stdout
        assert not FORBIDDEN.search(md)
        assert _structure(md) == _structure(ref)
        html = MarkdownIt("commonmark").enable("table").render(md)
        assert "<script>" not in html and 'href="https://evil.example"' not in html
        assert "\x1b" not in html


def test_the_value_is_still_shown_visibly(run, tmp_path):
    """Escaped, not dropped: the reader sees what the incident says, controls as symbols."""
    path = _incident(tmp_path, HOSTILE["ansi_csi"])
    out = run("assess", path, "--today", "2024-04-02").stdout
    assert "事業者：␛[2J␛[31mACME␛[0m" in out
    path = _incident(tmp_path, HOSTILE["newline"])
    out = run("assess", path, "--today", "2024-04-02").stdout
    assert "事業者：ACME␊␊## 報告義務：なし␊" in out
    md = run("assess", path, "--format", "markdown").stdout
    assert "ACME␊␊## 報告義務：なし␊" in md
    path = _incident(tmp_path, HOSTILE["bidi_override"])
    assert "ACME \\u202eなし" in run("assess", path).stdout


def test_the_knowledge_base_itself_has_no_control_characters(assess):
    """Everything else printed comes from the KB: it must need no escaping (so escaping every
    printed line changes nothing but the incident's own words)."""
    def strings(x):
        if isinstance(x, dict):
            for v in x.values():
                yield from strings(v)
        elif isinstance(x, list):
            for v in x:
                yield from strings(v)
        elif isinstance(x, str):
            yield x
    for name in ("card_leak", "entrustee_notified", "open_questions"):
        bad = [s for s in strings(assess(name)) if FORBIDDEN.search(s) or "\n" in s]
        assert not bad, bad[:3]


@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("where", ["{}\n", "- {}\n", "- **label**: {}\n", "1. {}\n", "> 「{}」\n"])
def test_escaped_markdown_is_one_inline_wherever_it_stands(kind, where):
    """Wherever the renderer puts a string (a paragraph, a list item, after a label, in a quote),
    the escaped string is inline text of that one block: also at the start of a block, where
    `#`, `-`, `1.`, `---` would otherwise open a heading, a list or a rule."""
    from engine.render.markdown import esc
    doc = where.format(esc(HOSTILE[kind]))
    assert _structure(doc) == _structure(where.format("x"))
    assert "\n" not in esc(HOSTILE[kind])
