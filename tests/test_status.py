"""`appi-kb status` (issue 9, item 5): deadlines tracked over a folder of incidents — done (with the
day response.taken records), due (days left), overdue (exit 1) — and `--ics` calendar entries."""
from __future__ import annotations

import json
import shutil

from conftest import ROOT

EXAMPLES = ROOT / "examples"


def test_status_over_the_examples(run):
    r = run("status", EXAMPLES, "--today", "2024-05-28")
    assert r.code == 1                                        # the 社労夢 確報 (2023-08-07) is overdue
    lines = r.stdout.splitlines()
    shop = lines.index(next(ln for ln in lines if ln.startswith("examples/online-shop-card-leak.yaml")))
    assert lines[shop + 1].startswith("  [済] 速報（知った後、速やかに）: 2024-04-03〜2024-04-05 — 2024-04-02 実施")
    assert lines[shop + 2].startswith("  [期限] 確報（全ての報告事項）: 2024-05-30まで — あと2日")
    assert any(ln.startswith("  [超過] 確報（全ての報告事項）: 2023-08-07まで — 295日過ぎています") for ln in lines)
    assert lines[-1] == "3件の事案：期限超過 1件、期限あり 3件、済 2件（本日 2024-05-28）"


def test_nothing_overdue_exits_0_and_today_comes_from_the_environment(run, tmp_path, monkeypatch):
    shutil.copyfile(EXAMPLES / "online-shop-card-leak.yaml", tmp_path / "shop.yaml")
    monkeypatch.setenv("APPI_KB_TODAY", "2024-05-30")
    r = run("status", tmp_path)
    assert r.code == 0 and "本日が期限" in r.stdout
    r = run("status", tmp_path, "--today", "2024-05-31")
    assert r.code == 1 and "1日過ぎています" in r.stdout


def test_done_late_is_said(run, tmp_path):
    text = (EXAMPLES / "online-shop-card-leak.yaml").read_text(encoding="utf-8")
    text = text.replace("{action: ppc_report, on: 2024-04-02}", "{action: ppc_report, on: 2024-04-09}")
    (tmp_path / "shop.yaml").write_text(text, encoding="utf-8")
    r = run("status", tmp_path / "shop.yaml", "--today", "2024-04-10")
    assert "2024-04-09 実施（4日遅れ）" in r.stdout


def test_json_keeps_absolute_dates_and_the_today_it_used(run):
    r = run("status", EXAMPLES / "payroll-vendor-ransomware.yaml", "--format", "json", "--today", "2023-06-20")
    data = json.loads(r.stdout)
    assert data["today"] == "2023-06-20"
    final = next(e for e in data["cases"][0]["entries"] if e["code"] == "report.final")
    assert (final["state"], final["due"], final["days"]) == ("due", "2023-08-07", 48)


def test_ics_has_an_event_per_deadline_and_is_stable(run, tmp_path):
    from icalendar import Calendar
    a, b = tmp_path / "a.ics", tmp_path / "b.ics"
    run("status", EXAMPLES, "--today", "2024-05-28", "--ics", a)
    run("status", EXAMPLES, "--today", "2024-05-28", "--ics", b)
    assert a.read_bytes() == b.read_bytes()
    events = Calendar.from_ical(a.read_bytes()).walk("VEVENT")
    assert len(events) == 6                                   # 速報 window and 確報 for each example
    final = next(e for e in events if str(e["uid"]) == "example-xss-card-leak.report.final@appi-kb")
    assert final.decoded("dtstart").isoformat() == "2024-05-30"
    assert "規則8条2項かっこ書" in str(final["description"])
    window = next(e for e in events if str(e["uid"]) == "example-xss-card-leak.report.preliminary@appi-kb")
    assert (window.decoded("dtstart").isoformat(), window.decoded("dtend").isoformat()) == ("2024-04-03", "2024-04-06")
    assert str(window["summary"]).startswith("【済】")


def test_a_folder_with_no_incidents_is_bad_input(run, tmp_path):
    r = run("status", tmp_path)
    assert r.code == 2 and "no incident files" in r.stderr
