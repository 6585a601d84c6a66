"""Canonical names for citations ("規則7条1号", "法26条1項ただし書", "通則GL 3-5-3-1", "Q&A Q6-12").

The short names of sources, the parts of an article (本文, ただし書, ...) and how an article,
paragraph and item are written in each language come from rules/kb.yaml, so the engine names a
clause without knowing which law, or which legal system, it belongs to.
"""
from __future__ import annotations

import re
import unicodedata

from .errors import InputError


class CitationNamer:
    def __init__(self, sources: list[dict], parts: dict[str, dict],
                 clause_format: dict[str, dict]) -> None:
        self.sources = sources
        self.parts = parts
        self.clause_format = clause_format

    def short(self, cit: dict, lang: str = "ja") -> str | None:
        for s in self.sources:
            match = s["match"]
            if all(cit.get(k) == v for k, v in match.items()):
                return s["short"][lang]
        return None

    def key(self, cit: dict, lang: str = "ja") -> str:
        t = cit["type"]
        if t in ("statute", "regulation", "cabinet_order"):
            short = self.short({"law_id": cit["law_id"]}, lang)
            if short is None:
                raise InputError(f"law id {cit['law_id']} has no short name",
                                 hint="add it under 'sources:' in rules/kb.yaml")
            art = cit["article"]
            base, _, branch = art.partition("の")
            if "part" in cit and cit["part"] not in self.parts:
                raise InputError(f"citation part '{cit['part']}' has no name",
                                 hint="add it under 'citation_parts:' in rules/kb.yaml")
            fmt = self.clause_format[lang]          # kb.yaml clause_format: 条/項/号 or art./()/item
            text = short + fmt["article"].format(article=base)
            para_fmt = "paragraph_after_branch" if branch and "paragraph_after_branch" in fmt else "paragraph"
            pieces = [("branch", branch or None), (para_fmt, cit.get("paragraph")),
                      ("item", cit.get("item")),
                      ("part", self.parts[cit["part"]][lang] if "part" in cit else None)]
            for name, value in pieces:
                if value is not None:
                    text += fmt[name].format(**{name.partition("_after_")[0]: value})
            return text
        if t == "guideline":
            short = self.short({"type": "guideline", **({"law_id": cit["law_id"]} if "law_id" in cit else {})}, lang) \
                or self.short({"type": "guideline"}, lang) or "GL"
            if cit.get("document"):
                short = cit["document"]
            return f"{short} {cit['section']}" if cit.get("section") else short
        if t == "qa":
            short = self.short({"type": "qa"}, lang) or "Q&A"
            if cit.get("document"):
                short = f"{cit['document']}{short}"
            if cit.get("question"):
                return f"{short} {cit['question']}"
            if cit.get("seed_example"):        # number not yet found: name it by the example quoting it
                return f"{short}（{cit['seed_example']}）" if lang == "ja" else f"{short} ({cit['seed_example']})"
            return short
        if t == "case":
            case = cit.get("case", {})
            return case.get("citation") or f"{case.get('court', '')} {case.get('date', '')}".strip()
        if t == "seed_example":
            return cit["seed_example"]
        raise InputError(f"unknown citation type '{t}'")


_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_KANJI = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def normalise_clause(text: str) -> str:
    """Lenient form of a clause name for look-ups: full-width digits, 第…条, spaces, ① etc."""
    s = unicodedata.normalize("NFKC", text).translate(_DIGITS)
    s = re.sub(r"\s+", " ", s).strip()
    s = s.replace("第", "")
    s = re.sub(r"(\d+)条(\d+)項", r"\1条\2項", s)
    s = s.replace("但書", "ただし書").replace("但し書", "ただし書").replace("括弧書", "かっこ書")
    s = s.replace("Q & A", "Q&A").replace("Q＆A", "Q&A")
    s = re.sub(r"^(?:Q&A\s*)?(Q\d+(?:-\d+)+)$", r"Q&A \1", s)
    s = re.sub(r"(通則GL|通則ガイドライン)\s*", "通則GL ", s)
    return s
