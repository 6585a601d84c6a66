"""What the catalog pages say (without a browser): per unit its rules with versions, validity and
citations with status, parameters with dated values, the fixtures that exercise each rule; the
coming changes; escaping; the search index."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from engine import site as site_mod


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from engine.fixtures import load_fixtures, run_fixture
    from engine.kbload import load_kb
    from engine.assess import Engine
    kb = load_kb()
    engine = Engine(kb)
    fixtures = load_fixtures()
    results = [run_fixture(engine, fx) for fx in fixtures]
    s = site_mod.build_site(kb, fixtures, results, "ja", dt.date(2026, 12, 3),
                            site_mod.official_texts(kb),
                            site_mod.coming_changes(kb, dt.date(2024, 1, 1)))
    out = tmp_path_factory.mktemp("site")
    site_mod.write_site(s, out)
    return s, out


def test_a_unit_page_has_rules_versions_parameters_and_fixtures(built):
    s, out = built
    html = (out / "units" / "reg7.html").read_text(encoding="utf-8")
    assert 'id="rule-reg7.item4"' in html and 'id="rule-reg7.item3-v2"' in html
    assert "2024-04-01" in html                         # 3号's second version starts then
    assert 'id="param-reg7.item4.threshold"' in html and "1,000 人" in html
    assert "本人の数が1,000人超" in html                # the label as in force that day
    fires = s.fires["reg7.item4@1"]
    assert fires and f'href="../fixtures.html#fx-{fires[0]}"' in html
    assert 'class="badge transcribed"' in html
    assert 'id="group-reg7.items"' in html


def test_coming_changes_list_versions_that_start_later(built):
    s, out = built
    refs = {c["ref"] for c in s.pending}
    assert "reg7.item3@2" in refs                       # from 2024-04-01, after 2024-01-01
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "reg7.item3@2" in html


def test_text_from_yaml_is_escaped(built):
    s, out = built
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>" not in text.replace('<script src="', "")


def test_search_index_has_every_rule_with_its_clause_names(built):
    s, out = built
    js = (out / "assets" / "search-index.js").read_text(encoding="utf-8")
    entries = json.loads(re.sub(r"^window\.APPI_CATALOG_INDEX = |;\s*$", "", js))
    rules = {e["t"].split(" — ")[0]: e for e in entries if e["k"] == "rule"}
    assert set(rules) == set(s.kb.rules)
    assert "規則7条2号" in rules["reg7.item2"]["c"]
    assert rules["reg7.item2"]["u"] == "units/reg7.html#rule-reg7.item2"


def test_labels_with_a_parameter_are_filled_everywhere(built):
    s, out = built
    for page in list(out.rglob("*.html")) + [out / "assets" / "search-index.js"]:
        assert "{param:" not in page.read_text(encoding="utf-8"), page


def test_a_unit_page_shows_its_official_text_from_sources(built):
    s, out = built
    html = (out / "units" / "reg7.html").read_text(encoding="utf-8")
    official = html.split('id="official-text"', 1)[1].split("</section>", 1)[0]
    assert "第七条" in official and "四　個人データに係る本人の数が千人を超える" in official
    assert "第八条" not in official                      # only the unit's own article
    assert "sources/official/appi-rules.txt" in official and "428M60020000003_" in official
    gl = (out / "units" / "gl.3-5-4.html").read_text(encoding="utf-8")
    assert "3-5-4-1" in gl.split('id="official-text"', 1)[1].split("</section>", 1)[0]
    case = (out / "units" / "case.kyoto-district-h15-10-3.html").read_text(encoding="utf-8")
    assert "公式テキストはまだ取り込まれていません" in case
