"""`appi-kb diff` for people: plain text (ja/en) and markdown for a review comment.

The diff document (engine/diff.py) is the content; this only lays it out. JSON is the document.
"""
from __future__ import annotations

import json
from typing import Any

from .messages import text_of

WORDS: dict[str, dict[str, str]] = {
    "ja": {
        "title": "ナレッジベースの差分",
        "base": "比較元", "working": "作業中",
        "kb_changes": "ルール・パラメータ・引用・ラベルの変更（{n} 件）",
        "own": "結論が変わる事案 — 各事案の基準日で（{changed} / {compared} 件）",
        "at": "結論が変わる事案 — {date} 時点で（{changed} / {compared} 件）",
        "flips": "見出しの結論が変わる事案",
        "flip": "{code}（{label}）：{n} 件",
        "none": "なし",
        "same": "同じ内容です（ルールファイルの SHA-256 が一致）",
        "verdict.changed": "結論が変わります（終了コード 1）",
        "verdict.same": "結論は変わりません",
        "added": "追加", "removed": "削除", "changed": "変更",
        "rule": "ルール", "rule_version": "ルールの版", "parameter": "パラメータ",
        "parameter_version": "パラメータの版", "citation": "引用", "conclusion": "結論",
        "value_label": "値のラベル", "section": "節", "kb": "KB",
        "pending": "改正予定", "scope": "対象範囲の宣言",
        "as_of": "基準日", "fixture": "フィクスチャ", "example": "例", "incident": "事案",
        "problems": "読めなかったファイル（比較していません）",
        "structured": "（内容が変更、--format json で全体）",
        "versions": "版", "value": "値",
    },
    "en": {
        "title": "Knowledge base diff",
        "base": "base", "working": "working",
        "kb_changes": "Changes to rules, parameters, citations and labels ({n})",
        "own": "Outcomes that change — each incident on its own date ({changed} of {compared})",
        "at": "Outcomes that change — as of {date} ({changed} of {compared})",
        "flips": "Headline conclusions that flip",
        "flip": "{code} ({label}): {n}",
        "none": "none",
        "same": "identical (the rule files' SHA-256 match)",
        "verdict.changed": "Outcomes change (exit code 1)",
        "verdict.same": "No outcome changes",
        "added": "added", "removed": "removed", "changed": "changed",
        "rule": "rule", "rule_version": "rule version", "parameter": "parameter",
        "parameter_version": "parameter version", "citation": "citation", "conclusion": "conclusion",
        "value_label": "value label", "section": "section", "kb": "KB",
        "pending": "coming change", "scope": "scope declaration",
        "as_of": "as of", "fixture": "fixture", "example": "example", "incident": "incident",
        "problems": "Files that could not be read (not compared)",
        "structured": "(changed; the whole of it in --format json)",
        "versions": "versions", "value": "value",
    },
}
SIGN = {"added": "+", "removed": "-", "changed": "~"}


def w(lang: str, key: str, **kw: Any) -> str:
    return WORDS[lang][key].format(**kw)


def _scalar(value: Any, lang: str) -> str | None:
    """A value short enough to show inline, or None for a structure."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{value:,}"
    if isinstance(value, str):
        return value if len(value) <= 80 else value[:77] + "…"
    if isinstance(value, dict) and set(value) <= {"ja", "en"} and value:
        return _scalar(text_of(value, lang), lang)
    if isinstance(value, list) and all(isinstance(x, (str, int)) for x in value):
        return "[" + ", ".join(str(x) for x in value) + "]"
    return None


def _from_to(f: dict, lang: str) -> str:
    a, b = _scalar(f.get("from"), lang), _scalar(f.get("to"), lang)
    if a is None or b is None:
        return w(lang, "structured")
    return f"{a} → {b}"


def change_text(c: dict, lang: str) -> str:
    head = f"{SIGN[c['change']]} {w(lang, c['kind'])} {c['id']}"
    parts = []
    for name, f in (c.get("fields") or {}).items():
        parts.append(f"{name}: {_from_to(f, lang)}")
    for name, value in (c.get("detail") or {}).items():
        shown = _scalar(value, lang)
        if shown is None and isinstance(value, list):
            shown = "; ".join(filter(None, (_detail_item(v, lang) for v in value)))
        if shown is not None:
            parts.append(f"{name}: {shown}")
    if not parts:
        parts.append(w(lang, c["change"]))
    return head + " — " + ", ".join(parts)


def _detail_item(v: Any, lang: str) -> str | None:
    if isinstance(v, dict):
        return " ".join(f"{k}={_scalar(x, lang)}" for k, x in v.items() if x is not None)
    return _scalar(v, lang)


def outcome_text(d: dict, lang: str) -> str:
    what = d["field"]
    label = text_of(d["label"], lang) if isinstance(d.get("label"), dict) else ""
    name = f"{d['code']} {label}".strip()
    return f"{name}: {what} {_outcome_value(d['from'], lang)} → {_outcome_value(d['to'], lang)}"


def _outcome_value(v: Any, lang: str) -> str:
    shown = _scalar(v, lang)
    if shown is not None:
        return shown
    if isinstance(v, dict) and ("due" in v or "from" in v):
        if "due" in v:
            return f"{v.get('due') or '?'} ({v.get('start') or '?'} + {v.get('days')})"
        return f"{v.get('from')}..{v.get('to')}"
    return json.dumps(v, ensure_ascii=False, sort_keys=True)


def _run_title(run: dict, lang: str) -> str:
    if run["as_of"] == "own":
        return w(lang, "own", changed=len(run["changed"]), compared=run["compared"])
    return w(lang, "at", date=run["as_of"], changed=len(run["changed"]), compared=run["compared"])


def _flip_label(run: dict, code: str, lang: str) -> str:
    for case in run["changed"]:
        for d in case["changes"]:
            if d["code"] == code and isinstance(d.get("label"), dict):
                return text_of(d["label"], lang)
    return code


def render_text(doc: dict, lang: str = "ja") -> str:
    b, wk = doc["base"], doc["working"]
    out = [w(lang, "title"), "=" * 40,
           f"{w(lang, 'base')}: {b['label']} — kb {b['kb_version']}",
           f"{w(lang, 'working')}: {wk['label']} — kb {wk['kb_version']}"]
    if b["sha256"] == wk["sha256"]:
        out.append(w(lang, "same"))
    out += ["", f"■ {w(lang, 'kb_changes', n=len(doc['kb_changes']))}"]
    out += [f"  {change_text(c, lang)}" for c in doc["kb_changes"]] or [f"  {w(lang, 'none')}"]
    for run in doc["outcomes"]:
        out += ["", f"■ {_run_title(run, lang)}"]
        if not run["changed"]:
            out.append(f"  {w(lang, 'none')}")
        for case in run["changed"]:
            out.append(f"  ● {case['id']} [{w(lang, case['kind'])}] {case['file']} "
                       f"({w(lang, 'as_of')} {case['as_of']})")
            out += [f"      {outcome_text(d, lang)}" for d in case["changes"]]
        if run["headline_flips"]:
            out.append(f"  {w(lang, 'flips')}:")
            for code, items in run["headline_flips"].items():
                out.append("    " + w(lang, "flip", code=code, label=_flip_label(run, code, lang),
                                      n=len(items))
                           + " — " + ", ".join(f"{i['id']} ({i['from']} → {i['to']})" for i in items))
    if doc.get("problems"):
        out += ["", f"■ {w(lang, 'problems')}"] + [f"  {p}" for p in doc["problems"]]
    out += ["", w(lang, "verdict.changed" if doc["outcomes_changed"] else "verdict.same")]
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    """A markdown table cell: pipes escaped, one line, no HTML."""
    return (str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
            .replace("<", "&lt;").replace(">", "&gt;"))


def render_markdown(doc: dict, lang: str = "ja") -> str:
    b, wk = doc["base"], doc["working"]
    verdict = w(lang, "verdict.changed" if doc["outcomes_changed"] else "verdict.same")
    out = [f"### {w(lang, 'title')}: `{_cell(b['label'])}` → `{_cell(wk['label'])}`", "",
           f"**{verdict}** — kb {b['kb_version']} → {wk['kb_version']}", ""]
    for run in doc["outcomes"]:
        flips = ", ".join(w(lang, "flip", code=f"`{c}`", label=_cell(_flip_label(run, c, lang)),
                            n=len(i)) for c, i in run["headline_flips"].items())
        out.append(f"- {_run_title(run, lang)}" + (f" — {w(lang, 'flips')}: {flips}" if flips else ""))
    out += ["", f"#### {w(lang, 'kb_changes', n=len(doc['kb_changes']))}", ""]
    if doc["kb_changes"]:
        out += ["| | | id | |", "|---|---|---|---|"]
        for c in doc["kb_changes"]:
            text = change_text(c, lang).split(" — ", 1)[1]
            out.append(f"| {SIGN[c['change']]} | {w(lang, c['kind'])} | `{_cell(c['id'])}` | {_cell(text)} |")
    else:
        out.append(w(lang, "none"))
    for run in doc["outcomes"]:
        out += ["", f"#### {_run_title(run, lang)}", ""]
        if not run["changed"]:
            out.append(w(lang, "none"))
            continue
        out += ["| id | " + w(lang, "as_of") + " | | |", "|---|---|---|---|"]
        for case in run["changed"]:
            for d in case["changes"]:
                text = outcome_text(d, lang)
                name, _, what = text.partition(": ")
                out.append(f"| `{_cell(case['id'])}` | {case['as_of']} | `{_cell(d['code'])}` | {_cell(what)} |")
    if doc.get("problems"):
        out += ["", f"#### {w(lang, 'problems')}", ""] + [f"- {_cell(p)}" for p in doc["problems"]]
    return "\n".join(out) + "\n"
