"""JSON assessment for tools: schemas/assessment.schema.json, byte-identical for the same input."""
from __future__ import annotations

import json


def render(assessment: dict, lang: str = "ja", sections: list[dict] | None = None) -> str:
    """`lang` and `sections` are ignored: the document carries both languages and section ids."""
    return json.dumps(assessment, sort_keys=True, ensure_ascii=False, indent=2) + "\n"
