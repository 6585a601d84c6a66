"""Quotes cannot drift: every `official` quote is found in the official text it names.

sources/official/*.txt are the texts (see sources/manifest.yaml for each one's edition and where
it came from). The comparison ignores whitespace and nothing else; `…` marks an omission. A quote
must also sit in the clause it cites (article / paragraph / item, guideline section, Q&A number)
and in an edition that was in force while the rule version was.

The bad files in tests/bad_quotes/ show each mistake an editor can make, one per file, with the
line the message must name marked `# <-- error`.
"""
from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.errors import InputError, InputErrors
from engine.kbload import load_kb
from engine.paths import PROJECT_ROOT, SOURCES_DIR
from engine.sources import check_citation, check_kb_quotes, find_quote, load_sources, squash
from engine.validate import Report, check_kb

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers  # noqa: E402

BAD = Path(__file__).parent / "bad_quotes"
MARKER = "# <-- error"
ACT_EDITION = "415AC0000000057_20250601_504AC0000000068"


@pytest.fixture(scope="module")
def sources():
    return load_sources()


@pytest.fixture(scope="module")
def kb():
    return load_kb()


# ---- the knowledge base ------------------------------------------------------------------------
def test_every_official_quote_is_in_its_official_text(kb, sources) -> None:
    problems = check_kb_quotes(kb, sources)
    assert not problems, "\n".join(map(str, problems))


def test_the_check_covers_every_official_citation(kb, sources) -> None:
    # the test above is only as strong as the set it walks: every official citation, rule or
    # parameter, names a document of the manifest
    official = [c for _, c in kb.all_citations() if c.status == "official"]
    assert len(official) > 100
    assert {c.data["checked_against"]["source"] for c in official} <= set(sources.documents)


def test_a_citation_of_an_official_text_is_official_or_says_why_not(kb) -> None:
    for ref, c in kb.all_citations():
        if c.data["type"] in ("statute", "cabinet_order", "regulation", "guideline", "qa"):
            assert c.status in ("official", "unverified"), f"{c.file}:{c.line} ({ref}) is {c.status}"
        if c.status == "unverified":
            assert c.data.get("unverified_reason"), f"{c.file}:{c.line} ({ref}) does not say why"


# ---- how quotes are compared -------------------------------------------------------------------
ART26_1 = {"type": "statute", "law_id": "415AC0000000057", "article": "26", "paragraph": 1,
           "status": "official", "checked_against": {"source": "appi-act", "edition": ACT_EDITION}}


def _check(sources, quote: str, **changes):
    return check_citation({**ART26_1, "quote": quote, **changes}, sources)


def test_whitespace_is_ignored(sources) -> None:
    assert _check(sources, "個人情報取扱事業者は、 その取り扱う\n個人データの　漏えい") is None


def test_width_and_punctuation_are_not(sources) -> None:
    assert _check(sources, "個人情報取扱事業者は、その取り扱う個人データの漏えい") is None
    assert _check(sources, "個人情報取扱事業者は,その取り扱う個人データの漏えい") is not None
    assert _check(sources, "当該事態が生じた旨を個人情報保護委員会に報告しなければならない。") is None
    assert _check(sources, "当該事態が生じた旨を個人情報保護委員会に報告しなければならない") is None
    assert _check(sources, "当該事態が生じた旨を個人情報保護委員会に報告しなければならない．") is not None


def test_an_ellipsis_marks_an_omission_in_order(sources) -> None:
    assert _check(sources, "個人情報取扱事業者は、…報告しなければならない。") is None
    assert _check(sources, "報告しなければならない。…個人情報取扱事業者は、その取り扱う") is not None


def test_items_and_paragraphs_are_told_apart(sources) -> None:
    reg = {"type": "regulation", "law_id": "428M60020000003", "article": "7", "status": "official",
           "checked_against": {"source": "appi-rules",
                               "edition": sources.documents["appi-rules"].edition}}
    item4 = "個人データに係る本人の数が千人を超える漏えい等が発生し、又は発生したおそれがある事態"
    assert check_citation({**reg, "item": 4, "quote": item4}, sources) is None
    assert "item 3" in check_citation({**reg, "item": 3, "quote": item4}, sources)[0]
    # 規則8条2項 is not 8条1項
    day30 = "当該事態を知った日から三十日以内"
    assert check_citation({**reg, "article": "8", "paragraph": 2, "quote": day30}, sources) is None
    assert check_citation({**reg, "article": "8", "paragraph": 1, "quote": day30}, sources) is not None


def test_compiler_supplements_are_not_text(sources) -> None:
    # （1） before 適切な委託先の選定 is the page's CSS numbering written in, not a character of it
    gl = {"type": "guideline", "section": "3-4-4", "status": "official",
          "checked_against": {"source": "gl-general", "edition": sources.documents["gl-general"].edition}}
    assert check_citation({**gl, "quote": "適切な委託先の選定"}, sources) is None
    assert check_citation({**gl, "quote": "（1）適切な委託先の選定"}, sources) is not None


def test_find_quote_needs_every_part() -> None:
    assert find_quote("あい…えお", squash("あいうえお"))
    assert not find_quote("あい…おえ", squash("あいうえお"))


# ---- the texts themselves ----------------------------------------------------------------------
def test_a_text_edited_by_hand_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    act = copy / "official" / "appi-act.txt"
    act.write_text(act.read_text(encoding="utf-8").replace("毀損", "棄損", 1), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_sources(copy)
    assert "official/appi-act.txt" in str(caught.value) and "sha256" in str(caught.value)
    assert "sources/extract.py" in caught.value.hint


def test_every_document_names_its_edition_and_origin(sources) -> None:
    for doc in sources.documents.values():
        d = doc.data
        assert d["edition"]["id"] and d["edition"]["label"]["ja"] and d["edition"]["label"]["en"]
        assert d["origin"]["publisher"].startswith("https://")
        assert d["origin"]["stored_copy"]
        assert doc.blocks, f"{doc.ident} has no text"


# ---- one bad file per mistake ------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    name: str
    stage: str          # "load" (schema) or "quotes" (checked against sources/)
    message: tuple
    hint: tuple


CASES = [
    Case("official_without_checked_against", "load",
         ("missing required key 'checked_against'",), ("checked_against:", "required when status is official")),
    Case("unverified_without_reason", "load",
         ("missing required key 'unverified_reason'",), ("unverified_reason:",)),
    Case("transcribed_official_text", "load", ("'transcribed'", "status"), ("official", "unverified")),
    Case("transcribed_with_checked_against", "quotes", ("transcribed citation names checked_against",),
         ("status: official",)),
    Case("unknown_source", "quotes", ("source 'appi-ac'", "does not list"), ("did you mean 'appi-act'?",)),
    Case("wrong_edition", "quotes", ("edition '415AC0000000057_20220401_503AC0000000037'", ACT_EDITION),
         ("check the quote against the text in sources/",)),
    Case("wrong_law", "quotes", ("law 428M60020000003", "appi-act is law 415AC0000000057"), ("source",)),
    Case("quote_not_in_source", "quotes", ("the quote is not in appi-act in article 26 paragraph 1",),
         ("copy the text exactly from sources/official/appi-act.txt",)),
    Case("quote_in_another_paragraph", "quotes", ("not in appi-act in article 26 paragraph 2",), ("cite where it is",)),
    Case("clause_not_in_source", "quotes", ("appi-act has no article 27",), ("add the clause",)),
    Case("guideline_section_renumbered", "quotes", ("not in gl-general in section 3-5-1-1",), ("cite where it is",)),
    Case("edition_after_version", "quotes", ("ends before edition", "2025-06-01"), ("unverified",)),
]


def _marked(path: Path) -> int:
    marks = [i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if MARKER in text]
    assert len(marks) == 1
    return marks[0]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_quote_file_gets_one_message_with_file_line_and_fix(tmp_path: Path, case: Case, sources) -> None:
    path = BAD / f"{case.name}.yaml"
    rules = helpers.new_kb(tmp_path, {path.name: path.read_text(encoding="utf-8")})
    if case.stage == "load":
        with pytest.raises(InputError) as caught:
            load_kb(rules)
        errors = caught.value.errors if isinstance(caught.value, InputErrors) else [caught.value]
    else:
        errors = check_kb_quotes(load_kb(rules), sources)
        report = Report()
        check_kb(rules, report)                 # `appi-kb validate` reports the same
        assert [str(e) for e in report.sorted_errors()] == [str(e) for e in errors]
    assert len(errors) == 1, "\n".join(map(str, errors))
    (err,) = errors
    assert Path(err.file).name == path.name and err.line == _marked(path), str(err)
    for words in case.message:
        assert words in err.message, f"{words!r} not in {err.message!r}"
    assert err.hint
    for words in case.hint:
        assert words in err.hint, f"{words!r} not in {err.hint!r}"
    assert "\n" not in str(err)


def test_every_bad_quote_file_has_a_case() -> None:
    assert {p.stem for p in BAD.glob("*.yaml")} == {c.name for c in CASES}
