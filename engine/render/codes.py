"""`--codes`: conclusion codes beside their labels in text and Markdown output, so a reader can
go from 確報 to `appi-kb explain INCIDENT report.final`.

It works on the assessment, not the layout: each conclusion's label (and its negative wording)
gets ` [code]` appended in every language, so wherever a renderer shows a conclusion's label, the
code is shown with it. JSON never needs it (the code is a field there).
"""
from __future__ import annotations

import copy


def with_codes(assessment: dict) -> dict:
    a = copy.deepcopy(assessment)
    for c in a["conclusions"]:
        for key in ("label", "negative_label"):
            text = c.get(key)
            if isinstance(text, dict):
                c[key] = {lang: f"{value} [{c['code']}]" for lang, value in text.items()}
    return a
