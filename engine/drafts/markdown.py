"""A draft as Markdown: the document first, then what is still to be written and why it is due."""
from __future__ import annotations

from . import Draft

_STATUS = {"established": "あり・該当", "undetermined": "未確定", "needs_review": "要検討",
           "excluded": "例外により適用なし", "not_established": "なし・非該当"}
_ITEM = {"filled": "記入済", "partial": "一部要記入", "missing": "要記入"}


def _cell(text: str) -> str:
    """Incident text inside Markdown: no line may start a heading, list or table of its own."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def render(d: Draft) -> str:
    out = [f"# {d.title}" + (f"（{d.variant_label}）" if d.variant_label else ""), ""]
    who = d.incident.get("title") or d.incident.get("id") or d.incident.get("file")
    out.append(f"事案：{_cell(str(who))}")
    if d.today:
        out.append(f"作成日：{d.today}")
    out.append("")
    out.append("**根拠とする条項**：" + "、".join(f"{f['clause']}（{f['about']}）" for f in d.follows))
    out.append("")
    if d.required:
        out.append("**この文書が必要となる判断**：")
        for r in d.required:
            clauses = "、".join(r["clauses"])
            out.append(f"- {r['label']['ja']}：{_STATUS.get(r['status'], r['status'])}"
                       + (f"（{clauses}）" if clauses else ""))
        out.append("")
    for n in d.notes:
        out.append(f"> {n}")
        out.append("")
    out.append("---")
    out.append("")
    for sec in d.sections:
        out.append(f"## {sec.title}")
        out.append("")
        for ln in sec.lines:
            if not ln.text and ln.filled:          # an optional line with nothing to say
                continue
            if ln.kind == "list" and ln.entries:
                if ln.label:
                    out.append(f"**{_cell(ln.label)}**：")
                out.extend(f"- {_cell(e)}" for e in ln.entries)
                out.append("")
                continue
            text = _cell(ln.text).replace("\n", "  \n")
            out.append(f"**{_cell(ln.label)}**：{text}" if ln.label else text)
            out.append("")
    out.append("---")
    out.append("")
    gaps = any(state != "filled" for state in d.items.values())
    out.append("**記入状況**" + (f"（{d.missing_mark} の箇所を埋める）" if gaps else "") + "：")
    for item, state in d.items.items():
        out.append(f"- {d.item_labels.get(item, item)}：{_ITEM[state]}")
    return "\n".join(out).rstrip() + "\n"
