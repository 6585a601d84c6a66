"""A draft as a Word document (.docx), written with python-docx.

python-docx builds the document from the filled draft, so the layout stays in the YAML templates
(rules/drafts/) and no binary .docx template has to be kept beside them (docxtpl would need one).
The output is deterministic: the core properties carry no timestamps, author or revision
of the machine that wrote it.
"""
from __future__ import annotations

import datetime as _dt
import io
import zipfile

from . import Draft
from .markdown import _ITEM, _STATUS

_EPOCH = _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc)


def render(d: Draft) -> bytes:
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(10.5)
    style.font.name = "MS Mincho"                    # creates rFonts; Japanese text needs eastAsia too
    style.element.rPr.rFonts.set(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", "MS Mincho")
    doc.add_heading(d.title + (f"（{d.variant_label}）" if d.variant_label else ""), level=1)
    who = d.incident.get("title") or d.incident.get("id") or d.incident.get("file")
    doc.add_paragraph(f"事案：{who}")
    doc.add_paragraph("根拠とする条項：" + "、".join(f"{f['clause']}（{f['about']}）" for f in d.follows))
    for r in d.required:
        clauses = "、".join(r["clauses"])
        doc.add_paragraph(f"{r['label']['ja']}：{_STATUS.get(r['status'], r['status'])}"
                          + (f"（{clauses}）" if clauses else ""), style="List Bullet")
    for n in d.notes:
        doc.add_paragraph(n, style="Intense Quote")
    for sec in d.sections:
        doc.add_heading(sec.title, level=2)
        labelled = [ln for ln in sec.lines if ln.label]
        table = doc.add_table(rows=0, cols=2) if labelled else None
        if table is not None:
            table.style = "Table Grid"
        for ln in sec.lines:
            if not ln.text and ln.filled:
                continue
            if ln.label and table is not None:
                row = table.add_row().cells
                row[0].text = ln.label
                row[1].text = "\n".join(ln.entries) if ln.entries else ln.text
            else:
                doc.add_paragraph(ln.text)
    doc.add_heading("記入状況", level=2)
    for item, state in d.items.items():
        doc.add_paragraph(f"{d.item_labels.get(item, item)}：{_ITEM[state]}", style="List Bullet")
    props = doc.core_properties
    props.author = props.last_modified_by = ""
    props.created = props.modified = _EPOCH.replace(tzinfo=None)
    props.revision = 1
    props.title = d.title
    buf = io.BytesIO()
    doc.save(buf)
    return _stable_zip(buf.getvalue())


def _stable_zip(data: bytes) -> bytes:
    """The same draft gives the same bytes: fixed member times and order in the zip."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in sorted(src.namelist()):
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, src.read(name))
    return out.getvalue()
