"""Issue 7.6: coming changes. A promulgated amendment whose in-force date is not fixed is a record
under rules/pending/ (schemas/pending.schema.json), validated with the KB, hashed into it (the lock
and `appi-kb diff` see it), listed in the catalog, and shown as a notice (JSON, the one-screen
answer, the full report; ja and en) on an assessment whose conclusions it touches."""
from __future__ import annotations

import datetime as _dt
import subprocess

import pytest

from engine.diff import kb_changes
from engine.fixtures import load_fixtures
from engine.kbload import load_kb
from engine.paths import FIXTURES_DIR, RULES_DIR
from engine.render import text
from engine.yamlio import load_yaml

import helpers
import kbedit

RECORD = "pending/appi-amendment-2026.yaml"


@pytest.fixture(scope="module")
def fixtures():
    return {fx.id: fx for fx in load_fixtures([FIXTURES_DIR])}


def test_the_2026_amendment_is_recorded_pending_with_unverified_sources(engine):
    [rec] = [p for p in engine.kb.pending if p["id"] == "appi-amendment-2026"]
    assert rec["status"] == "pending" and rec["promulgated"] == "2026-07-17"
    assert rec["in_force"]["fixed"] is False and rec["in_force"]["latest"] == "2028-07-16"
    assert {"notice_duty"} <= {c for ch in rec["changes"] for c in ch["touches"].get("conclusions", [])}
    for s in rec["sources"]:
        assert s["verification"] == "unverified" and s["unverified_reason"]["ja"] and s["verify_with"]["en"]
    # a pending record is not a rule: it is not a rule file and adds no `status: unverified`
    assert RECORD in engine.kb.file_hashes
    assert "status: unverified" not in (RULES_DIR / RECORD).read_text(encoding="utf-8")


def test_a_touched_assessment_carries_the_notice_in_json_and_text(engine, fixtures, sections):
    fx = fixtures["pending-2026-amendment-notice-duty-touched"]
    a = engine.assess(fx.incident, fx.as_of)
    [n] = a["notices"]
    assert n["id"] == "appi-amendment-2026" and n["verified"] is False
    assert [ch["conclusions"] for ch in n["changes"]] == [["notice_duty"]]
    today = _dt.date(2026, 9, 14)
    ja = text.render(a, "ja", sections, full=False, today=today)
    en = text.render(a, "en", sections, full=False, today=today)
    assert "改正法（2026-07-17公布、施行日未定）：本人への通知義務の要件が変わる予定" in ja
    assert "Amendment (promulgated 2026-07-17, in-force date not fixed)" in en
    full = text.render(a, "ja", sections, full=True, today=today)
    assert "■ 改正予定（公布済み・未施行）" in full and "遅くとも2028-07-16" in full
    assert "出典は未検証" in full
    assert "■ Coming changes (promulgated, not yet in force)" in text.render(a, "en", sections, today=today)


def test_no_notice_before_promulgation_or_when_nothing_it_changes_holds(engine, fixtures, sections):
    for fid in ("pending-2026-amendment-no-duty-no-notice", "pending-2026-amendment-before-promulgation",
                "se-10-unauthorised-access-leak"):
        fx = fixtures[fid]
        a = engine.assess(fx.incident, fx.as_of)
        assert "notices" not in a, fid
        assert "改正法（" not in text.render(a, "ja", sections, full=True, today=_dt.date(2026, 9, 14))


def test_a_public_body_notice_duty_is_not_touched_by_an_art26_change(engine, fixtures):
    """The record names rule act26-2: a public body's notice duty (法68条2項) is not flagged."""
    fx = fixtures["scope-local-government-ordinance"]
    inc = fx.incident
    a = engine.assess(inc, _dt.date(2026, 9, 14))
    assert {c["code"]: c["status"] for c in a["conclusions"]}["notice_duty"] == "established"
    assert "notices" not in a


def test_past_the_latest_in_force_date_the_notice_says_assess_again(engine, fixtures, sections):
    fx = fixtures["pending-2026-amendment-notice-duty-touched"]
    a = engine.assess(fx.incident, _dt.date(2028, 8, 1))
    assert a["notices"][0]["in_force_passed"] is True
    assert "改正後の法令で判定し直してください" in text.render(a, "ja", sections, today=_dt.date(2028, 8, 1))


def test_a_bad_record_is_a_validate_error(tmp_path, run):
    rules = kbedit.copy_project(tmp_path, fixtures=False)
    path = rules / RECORD
    data = load_yaml(path).data
    data["changes"][0]["touches"]["conclusions"] = ["notice_dutty"]
    data["sources"][0].pop("verify_with")
    path.write_text(helpers.dump(data), encoding="utf-8")
    r = run("validate", "--rules", rules, "--quiet")
    assert r.code == 2
    assert "verify_with" in r.stderr


def test_diff_and_the_hash_see_a_change_of_a_pending_record(tmp_path):
    rules = kbedit.copy_project(tmp_path, fixtures=False)
    base = load_kb(rules)
    path = rules / RECORD
    data = load_yaml(path).data
    data["in_force"]["latest"] = "2028-07-15"
    path.write_text(helpers.dump(data), encoding="utf-8")
    work = load_kb(rules)
    assert work.files_hash != base.files_hash
    assert work.file_hashes[RECORD] != base.file_hashes[RECORD]
    changes = [c for c in kb_changes(base, work) if c["kind"] == "pending"]
    assert changes == [{"kind": "pending", "id": "appi-amendment-2026", "change": "changed",
                        "fields": {"in_force": {"from": {"fixed": False, "rule": data["in_force"]["rule"],
                                                         "latest": "2028-07-16"},
                                                "to": data["in_force"]}},
                        "file": changes[0]["file"]}]


def test_the_catalog_lists_the_coming_change(engine):
    from engine.site import coming_changes
    rows = [r for r in coming_changes(engine.kb, _dt.date(2026, 12, 3), "ja") if r["kind"] == "pending"]
    assert rows and rows[0]["date"] == "2028-07-16" and "施行日未定" in rows[0]["what"]
    en = [r for r in coming_changes(engine.kb, _dt.date(2026, 12, 3), "en") if r["kind"] == "pending"]
    assert "in-force date not fixed" in en[0]["what"]


def test_unverified_count_under_rules_does_not_grow():
    out = subprocess.run(["grep", "-r", "status: unverified", "."], capture_output=True, text=True,
                         cwd=RULES_DIR).stdout
    assert "./pending/" not in out and "./scope/" not in out


def test_validate_takes_a_pending_record_as_a_path(run, tmp_path):
    r = run("validate", "--quiet", RULES_DIR / RECORD)
    assert r.code == 0, r.stderr
    assert "1 KB manifest" in r.stdout             # read with its KB, not as an unknown schema
    loose = tmp_path / "record.yaml"
    data = load_yaml(RULES_DIR / RECORD).data
    data["$schema"] = str(RULES_DIR.parent / "schemas" / "pending.schema.json")
    data["sources"][0]["verification"] = "maybe"
    loose.write_text(helpers.dump(data), encoding="utf-8")
    r = run("validate", "--quiet", loose)
    assert r.code == 2 and "checked 1 pending amendment" in r.stdout
    assert "sources[0].verification" in r.stderr
