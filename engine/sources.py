"""The official texts in sources/, and whether a citation's quote is really in them.

sources/manifest.yaml lists each document (what it is, its edition, where it came from) and
sources/official/<id>.txt holds its text, made by sources/extract.py. In a text file a line
`§ 26` (or `§ 3 paragraph 1`, `§ 3-5-1-2`, `§ Q6-5`, `§ 附則`) marks where an article, section or
question begins; lines starting with `#` are not part of the text.

A quote is compared with the text after removing whitespace on both sides and nothing else (see
`normalisation` in the manifest); `…` in a quote marks an omission. The quote must lie inside the
clause the citation names: the article (and paragraph, and item) of a law, the guideline section
(with its subsections), the Q&A question. Which article or paragraph a line belongs to is read
from the layout of Japanese statutes (第N条, ２, 一), never from a list of provisions: the module
knows how laws are written, not what any of them says.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .paths import SOURCES_DIR, display
from .schemas import suggest, validate_doc
from .yamlio import Doc, load_yaml, read_text

MANIFEST = "manifest.yaml"
ELLIPSIS = "…"
LAW_KINDS = ("statute", "regulation", "cabinet_order")

# ---- numbers as statutes write them ---------------------------------------------------------
_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI = "〇一二三四五六七八九十百千"


def kanji_number(text: str) -> int:
    """百七十八 -> 178, 二十九 -> 29, 十 -> 10 (the way e-Gov writes article and item numbers)."""
    total, digit = 0, None
    for ch in text:
        if ch in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[ch]
        elif ch in _KANJI_UNITS:
            total += (1 if digit is None else digit) * _KANJI_UNITS[ch]
            digit = None
        else:
            raise ValueError(f"not a kanji number: {text!r}")
    return total + (digit or 0)


def arabic_number(text: str) -> int:
    """Full- or half-width digits: '２９' -> 29."""
    return int(unicodedata.normalize("NFKC", text))


# an article's first line: （見出し） 第二十六条　…, 第百七十八条 (alone), 第二十九条の四　…
ARTICLE_LINE = re.compile(rf"^(?:（[^）]*）\s*)?第([{_KANJI}]+)条(?:の([{_KANJI}]+))?(?:[\s　]|$)")
# the same in a guideline's quotation of a rule: 規則第２条, 規則第３条第１項, 規則第５条関係
QUOTED_ARTICLE_LINE = re.compile(r"^規則第([0-9０-９]+)条(?:第([0-9０-９]+)項)?")
SUPPLEMENTARY_LINE = re.compile(r"^附\s*則")
SECTION_LINE = re.compile(r"^([0-9]+(?:-[0-9]+)*)[ \t　]")
PARAGRAPH_LINE = re.compile(r"^([０-９]+)　")
ITEM_LINE = re.compile(rf"^\s*(?:\[([{_KANJI}]+)\]|([{_KANJI}]+)　)")


def anchor_for_line(line: str, kind: str) -> str | None:
    """The anchor a document line opens, if any: '26', '29の4', '3 paragraph 1', '附則', '3-5-1-2'."""
    if kind in LAW_KINDS:
        m = ARTICLE_LINE.match(line)
        if m:
            art = str(kanji_number(m.group(1)))
            return art + (f"の{kanji_number(m.group(2))}" if m.group(2) else "")
        m = QUOTED_ARTICLE_LINE.match(line)
        if m:
            art = str(arabic_number(m.group(1)))
            return art + (f" paragraph {arabic_number(m.group(2))}" if m.group(2) else "")
        if SUPPLEMENTARY_LINE.match(line):
            return "附則"
    elif kind == "guideline":
        m = SECTION_LINE.match(line)
        if m:
            return m.group(1)
    return None


def squash(text: str) -> str:
    """The form quotes are compared in: every whitespace character removed, nothing else changed."""
    return "".join(ch for ch in text if not ch.isspace())


# ---- documents ---------------------------------------------------------------------------------
@dataclass
class Block:
    anchor: str | None
    lines: list[str]


@dataclass
class Document:
    ident: str
    data: dict
    blocks: list[Block]
    supplements: list[re.Pattern] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.data["kind"]

    @property
    def edition(self) -> str:
        return self.data["edition"]["id"]

    def clean(self, line: str) -> str:
        """A text line without the compiler's supplements (CSS numbers and the like)."""
        for rx in self.supplements:
            line = rx.sub("", line)
        return line


@dataclass
class Sources:
    manifest: Doc
    documents: dict[str, Document]


def parse_text(text: str) -> list[Block]:
    blocks: list[Block] = [Block(None, [])]
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if line.startswith("§ "):
            blocks.append(Block(line[2:].strip(), []))
        else:
            blocks[-1].lines.append(line)
    return [b for b in blocks if b.anchor is not None or any(s.strip() for s in b.lines)]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_sources(root: Path = SOURCES_DIR) -> Sources:
    """The manifest and every document's text; checks the manifest schema and each file's hash."""
    manifest = load_yaml(root / MANIFEST, display(root / MANIFEST))
    validate_doc(manifest, "sources")
    docs: dict[str, Document] = {}
    for i, d in enumerate(manifest.data["documents"]):
        if d["id"] in docs:
            raise manifest.error(("documents", i, "id"), f"document id '{d['id']}' is used twice",
                                 "give each document its own id", kind="duplicate")
        path = root / d["file"]
        if not path.is_file():
            raise manifest.error(("documents", i, "file"), f"no file {display(path)}",
                                 "run: python sources/extract.py --write", kind="reference")
        if sha256_of(path) != d.get("sha256"):
            raise manifest.error(("documents", i, "file"),
                                 f"{display(path)} is not the text the manifest records (sha256 differs)",
                                 "official texts are made by sources/extract.py, never edited by hand: "
                                 "run python sources/extract.py --write", kind="reference")
        text = read_text(path, display(path), max_bytes=4 * 1_048_576)
        docs[d["id"]] = Document(d["id"], d, parse_text(text),
                                 [re.compile(s, re.M) for s in d.get("supplements", [])])
    return Sources(manifest, docs)


# ---- checking one citation ---------------------------------------------------------------------
def _paragraphs(lines: list[str]) -> dict[int, list[str]]:
    """An article's lines by paragraph: paragraph 1 until the first '２　' line, and so on."""
    out: dict[int, list[str]] = {}
    current = 1
    for line in lines:
        m = PARAGRAPH_LINE.match(line)
        if m:
            current = arabic_number(m.group(1))
        out.setdefault(current, []).append(line)
    return out


def _items(lines: list[str]) -> dict[int, list[str]]:
    """A paragraph's lines by item (一, 二 … or [一] as a guideline quotes them); sub-items
    (イ, ロ …) stay with their item."""
    out: dict[int, list[str]] = {}
    current = None
    for line in lines:
        m = ITEM_LINE.match(line)
        if m:
            current = kanji_number(m.group(1) or m.group(2))
        if current is not None:
            out.setdefault(current, []).append(line)
    return out


def _scope(doc: Document, cit: dict) -> tuple[list[str] | None, str]:
    """The lines the quote must be in, and a name for them; None when the source lacks the clause."""
    kind = doc.kind
    if kind in LAW_KINDS and cit.get("article"):
        art = str(cit["article"])
        para, item = cit.get("paragraph"), cit.get("item")
        where = f"article {art}"
        lines: list[str] = []
        found = False
        for b in doc.blocks:
            if b.anchor is None:
                continue
            a, _, p = b.anchor.partition(" paragraph ")
            if a != art:
                continue
            found = True
            if para is not None and p:
                if int(p) == para:
                    lines += b.lines
                continue
            lines += _paragraphs(b.lines).get(para, []) if para is not None else b.lines
        if not found:
            return None, where
        if para is not None:
            where += f" paragraph {para}"
            if not lines:
                return None, where
        if item is not None:
            where += f" item {item}"
            lines = _items(lines if para is not None else _paragraphs(lines).get(1, lines)).get(item, [])
            if not lines:
                return None, where
        return lines, where
    if kind == "guideline" and cit.get("section"):
        sec = cit["section"]
        lines, inside, found = [], False, False
        for b in doc.blocks:
            if b.anchor is not None and re.fullmatch(r"[0-9]+(?:-[0-9]+)*", b.anchor):
                inside = b.anchor == sec or b.anchor.startswith(sec + "-")
                found = found or inside
            if inside:
                lines += b.lines
        return (lines if found else None), f"section {sec}"
    if kind == "qa" and cit.get("question"):
        if doc.data.get("question") != cit["question"]:
            return None, f"question {cit['question']}"
    return [line for b in doc.blocks for line in b.lines], "the document"


def find_quote(quote: str, haystack: str) -> bool:
    """Is every part of the quote (split at '…') in the text, in order?"""
    pos = 0
    for part in (squash(p) for p in quote.split(ELLIPSIS)):
        if not part:
            continue
        at = haystack.find(part, pos)
        if at < 0:
            return False
        pos = at + len(part)
    return True


def _overlaps(doc: Document, valid_from: _dt.date | None, valid_to: _dt.date | None) -> bool:
    ed = doc.data["edition"]
    start = ed.get("in_force_from")
    end = ed.get("in_force_to")
    if start and valid_to and valid_to < _dt.date.fromisoformat(start):
        return False
    if end and valid_from and valid_from > _dt.date.fromisoformat(end):
        return False
    return True


def check_citation(cit: dict, sources: Sources, valid_from: _dt.date | None = None,
                   valid_to: _dt.date | None = None) -> tuple[str, str] | None:
    """None when an `official` citation's quote is in the text it names; else (message, hint).
    Other statuses are not checked here (the schema makes `unverified` say why)."""
    if cit.get("status") != "official":
        if "checked_against" in cit:
            return (f"a {cit.get('status')} citation names checked_against: only a quote found in an "
                    "official text says what it was checked against",
                    "if the quote is in that text, set status: official; otherwise remove checked_against")
        return None
    against = cit["checked_against"]
    doc = sources.documents.get(against["source"])
    if doc is None:
        guess = suggest(against["source"], sources.documents)
        return (f"checked_against names source '{against['source']}', which sources/manifest.yaml "
                f"does not list", f"did you mean '{guess}'?" if guess else
                "use a document id of sources/manifest.yaml: " + ", ".join(sorted(sources.documents)))
    if against["edition"] != doc.edition:
        return (f"checked against edition '{against['edition']}' of {doc.ident}, but sources/ holds "
                f"edition '{doc.edition}'",
                "check the quote against the text in sources/ and record its edition (and the date)")
    if cit["type"] in LAW_KINDS and cit.get("law_id") != doc.data.get("law_id"):
        return (f"the citation is to law {cit.get('law_id')} but {doc.ident} is law "
                f"{doc.data.get('law_id')}", "name the source that holds this law")
    if cit["type"] in ("guideline", "qa") and doc.kind != cit["type"] and not (
            cit["type"] == "guideline" and doc.kind == "page"):
        return (f"a {cit['type']} citation checked against {doc.ident}, which is a {doc.kind}",
                "name the source document the quote comes from")
    if not _overlaps(doc, valid_from, valid_to):
        return (f"the rule version ends before edition '{doc.edition}' of {doc.ident} came into "
                f"force ({doc.data['edition'].get('in_force_from')}): that edition cannot show what "
                f"the text said then", "mark the citation unverified and say why, or add the "
                "edition in force at the time to sources/")
    lines, where = _scope(doc, cit)
    if lines is None:
        return (f"{doc.ident} has no {where}", "cite the clause where the text is, or add the "
                "clause to the document in sources/ (sources/extract.py)")
    haystack = squash("\n".join(doc.clean(line) for line in lines))
    if not find_quote(cit["quote"], haystack):
        part = "" if where == "the document" else f" in {where}"
        return (f"the quote is not in {doc.ident}{part} (edition {doc.edition})",
                "copy the text exactly from sources/" + doc.data["file"] + " (only whitespace may "
                "differ; mark omissions with …), or cite where it is")
    return None


def locate(quote: str, sources: Sources) -> list[tuple[str, str | None]]:
    """Where a quote occurs: (document id, anchor of the block) pairs, for editors and tools."""
    hits = []
    for doc in sources.documents.values():
        for b in doc.blocks:
            if find_quote(quote, squash("\n".join(doc.clean(line) for line in b.lines))):
                hits.append((doc.ident, b.anchor))
    return hits


def check_kb_quotes(kb, sources: Sources) -> list[InputError]:
    """Every `official` citation of the knowledge base checked against its source."""
    errors = []
    items = [(v.valid_from, v.valid_to, c) for r in kb.rules.values() for v in r.versions
             for c in v.citations]
    items += [(pv.valid_from, pv.valid_to, c) for p in kb.parameters.values() for pv in p.versions
              for c in pv.citations]
    for valid_from, valid_to, c in items:
        problem = check_citation(c.data, sources, valid_from, valid_to)
        if problem:
            errors.append(InputError(problem[0], file=c.file, line=c.line, hint=problem[1],
                                     kind="citation"))
    return errors
