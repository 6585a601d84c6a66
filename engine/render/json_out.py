"""JSON assessment for tools: schemas/assessment.schema.json, byte-identical for the same input."""
from __future__ import annotations

from ..jsonfast import dumps_indented


def render(assessment: dict, lang: str = "ja", sections: list[dict] | None = None) -> str:
    """`lang` and `sections` are ignored: the document carries both languages and section ids."""
    # json.dumps(..., sort_keys=True, ensure_ascii=False, indent=2), twice as fast
    return dumps_indented(assessment) + "\n"
