"""Issue 7.3: scope is data. rules/kb.yaml declares what the KB covers and what it does not; an
incident touching a regime outside it gets a visible 対象外・要確認 (in JSON, in the one-screen
answer and in the full report, ja and en), never a silent "no"; an incident touching none shows
no such line."""
from __future__ import annotations

import copy
import datetime as _dt

import pytest

from engine.fixtures import load_fixtures
from engine.paths import FIXTURES_DIR
from engine.render import text
from engine.yamlio import load_yaml

import helpers
import kbedit

TODAY = _dt.date(2025, 6, 9)


@pytest.fixture(scope="module")
def fixtures():
    return {fx.id: fx for fx in load_fixtures([FIXTURES_DIR])}


def _flags_held(a: dict) -> list[str]:
    return [c["code"] for c in a["conclusions"] if c["section"] == "scope" and c["status"] == "established"]


def test_every_regime_outside_the_kb_has_a_flag_and_a_fixture_that_raises_it(engine, fixtures):
    scope = engine.kb.scope
    assert scope and scope["covers"] and scope["does_not_cover"]
    flagged = [e for e in scope["does_not_cover"] if e.get("flag")]
    assert len(flagged) >= 7          # four sector guidelines, GDPR, other foreign law, ordinances
    raised = {code for fx in fixtures.values()
              for code, status in (fx.expect.get("conclusions") or {}).items()
              if status == "established"}
    for e in flagged:
        assert engine.kb.conclusions[e["flag"]].section == "scope"
        assert e["flag"] in raised, f"no fixture raises {e['flag']}"
        for key in ("reason", "where", "title"):
            assert e[key]["ja"] and e[key]["en"]


def test_a_silent_no_becomes_a_visible_outside_line(engine, fixtures, sections):
    """A bank's misdelivery of 12 account numbers: no duty under art. 26, and the answer says the
    financial-sector guidelines are outside the KB, with why and where to look."""
    fx = fixtures["scope-finance-bank-statements-misdelivered"]
    a = engine.assess(fx.incident, fx.as_of)
    c = {x["code"]: x for x in a["conclusions"]}
    assert c["report_duty"]["status"] == "not_established"
    assert _flags_held(a) == ["scope.sector.finance"]
    sc = c["scope.sector.finance"]["scope"]
    assert sc["id"] == "sector.finance" and "金融庁" in sc["reason"]["ja"] and sc["url"].startswith("https://")
    ja = text.render(a, "ja", sections, full=False, today=TODAY)
    en = text.render(a, "en", sections, full=False, today=TODAY)
    assert "対象外・要確認：金融分野における個人情報保護に関するガイドライン" in ja
    assert "Outside this KB, check: Guidelines on personal information protection in the financial sector" in en
    full = text.render(a, "ja", sections, full=True, today=TODAY)
    assert "本KBが判断しない理由：" in full and "確認先：" in full and sc["url"] in full
    full_en = text.render(a, "en", sections, full=True, today=TODAY)
    assert "why this KB does not decide it: " in full_en


def test_nothing_out_of_scope_shows_no_outside_line(engine, fixtures, sections):
    for fid in ("se-10-unauthorised-access-leak", "mn-150-employees-withholding-slips-misdelivered"):
        fx = fixtures[fid]
        a = engine.assess(fx.incident, fx.as_of)
        assert _flags_held(a) == []
        assert not any("scope" in c for c in a["conclusions"])
        for lang, word in (("ja", "対象外・要確認"), ("en", "Outside this KB, check")):
            assert word not in text.render(a, lang, sections, full=False, today=TODAY)


def test_the_my_number_mis_mailing_still_gives_my_number_duties_and_no_flag(engine, fixtures):
    fx = fixtures["mn-150-employees-withholding-slips-misdelivered"]
    a = engine.assess(fx.incident, fx.as_of)
    c = {x["code"]: x for x in a["conclusions"]}
    assert c["mynumber.report_duty"]["status"] == "established"
    assert c["mynumber.notice_duty"]["status"] == "established"


def test_two_regimes_outside_are_named_on_one_line(engine, fixtures, sections):
    fx = fixtures["scope-gdpr-eu-customers-web-shop"]
    inc = copy.deepcopy(fx.incident)
    inc.data["business"]["industry"] = "finance"
    a = engine.assess(inc, fx.as_of)
    assert set(_flags_held(a)) == {"scope.sector.finance", "scope.foreign.gdpr"}
    lines = [ln for ln in text.render(a, "ja", sections, full=False, today=TODAY).splitlines()
             if "対象外・要確認" in ln]
    assert len(lines) == 1 and "GDPR" in lines[0] and "金融分野" in lines[0]


def test_validate_requires_every_unit_declared_and_every_flag_real(tmp_path, run):
    rules = kbedit.copy_project(tmp_path, fixtures=False)
    kb_yaml = rules / "kb.yaml"
    data = load_yaml(kb_yaml).data
    covers = data["scope"]["covers"]
    covers[0]["units"] = [u for u in covers[0]["units"] if u != "reg9"]
    data["scope"]["does_not_cover"][0]["flag"] = "scope.sector.fnance"
    kb_yaml.write_text(helpers.dump(data), encoding="utf-8")
    r = run("validate", "--rules", rules, "--quiet")
    assert r.code == 2, r.stdout + r.stderr
    assert "no conclusion 'scope.sector.fnance'" in r.stderr
    data["scope"]["does_not_cover"][0]["flag"] = "scope.sector.finance"
    kb_yaml.write_text(helpers.dump(data), encoding="utf-8")
    r = run("validate", "--rules", rules)
    assert r.code == 0, r.stdout + r.stderr
    assert "rule unit 'reg9' is not declared under scope.covers" in r.stdout + r.stderr


def test_my_number_report_is_a_step_dated_by_its_window_and_marked_done(engine, fixtures, sections):
    """A 番号法 case lists its 速報/確報 in 「次にすること」, dated by their own window and deadline
    (render notes: the steps read report_duty only)."""
    fx = fixtures["mn-150-employees-withholding-slips-misdelivered"]
    a = engine.assess(fx.incident, fx.as_of)
    c = {x["code"]: x for x in a["conclusions"]}
    assert c["measures.mynumber_report"]["due_with"] == "mynumber.report.preliminary"
    assert c["measures.mynumber_final_report"]["due_with"] == "mynumber.report.final"
    ja = text.render(a, "ja", sections, full=False, today=_dt.date(2025, 1, 23))
    steps = ja.split("■ 次にすること")[1].split("■")[0]
    assert f"{c['mynumber.report.preliminary']['window']['to']}（日）まで：個人情報保護委員会への番号法の報告（速報）" in steps
    assert "個人情報保護委員会への番号法の確報" in steps
    en = text.render(a, "en", sections, full=False, today=_dt.date(2025, 1, 23))
    assert "preliminary My Number Act report to the PPC" in en
    done = copy.deepcopy(fx.incident)
    done.data.setdefault("response", {})["taken"] = ["mynumber_report"]
    b = engine.assess(done, fx.as_of)
    assert {x["code"]: x for x in b["conclusions"]}["measures.mynumber_report"]["done"] is True
