"""The catalog in the browser: `appi-kb catalog --out DIR` writes a static site.

One page per legal unit (the official text where `sources/` has it, its rules with versions and
validity, parameters with their dated values, groups, verification status of every citation, the
fixtures that exercise each rule), an index with the coming changes and a search box (client-side,
from a generated search-index.js: no server, works from file://), a page of all parameters and one
of all fixtures. Everything is escaped (jinja2 autoescape); the pages load no outside resource.

Data comes only from the loaded KB and the fixture results; nothing here knows any law.
"""
from __future__ import annotations

import datetime as _dt
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jinja2 import DictLoader, Environment, StrictUndefined

from .labels import format_value
from .model import KB, Citation, Rule

UI = {
    "ja": {
        "title": "ルール・カタログ", "search": "検索（条項名・ルールID・語句）", "search_hint":
        "例：規則7条2号、第26条1項但書、reg7.item4、暗号化", "no_results": "見つかりません",
        "units": "法源の単位", "rules": "ルール", "parameters": "パラメータ", "fixtures": "フィクスチャ",
        "coming": "今後の変更", "no_coming": "予定された変更はありません",
        "official_text": "公式テキスト", "no_official_text":
        "この単位の公式テキストはまだ取り込まれていません。各ルールの引用（原文）をご覧ください。",
        "versions": "版", "valid": "有効期間", "in_force": "施行中", "ended": "失効", "future": "施行前",
        "citations": "引用", "when": "条件", "then": "結論", "defeats": "打ち消すルール",
        "defeated_by": "このルールを打ち消す例外", "judgment": "要判断", "fires_in":
        "発火するフィクスチャ", "quiet_in": "関係するが発火しないフィクスチャ", "none": "なし",
        "status": "検証状況", "official": "公式テキストと照合済み", "transcribed": "転記（照合待ち）",
        "unverified": "未検証", "verified_on": "確認日", "value": "値", "unit": "単位",
        "constraints": "制約", "groups": "グループ", "members": "構成ルール", "read_by": "読むルール",
        "conclusions": "結論コード", "file": "ファイル", "kind": "種別", "source": "出典",
        "as_of": "基準日", "result": "結果", "pass": "合格", "fail": "不合格", "fired": "発火したルール",
        "home": "目次", "kb": "ナレッジベース", "generated_for": "基準日", "starts": "開始",
        "version_n": "第{n}版", "open_end": "（終期なし）", "param_of": "パラメータ",
        "rule": "ルール", "unit_word": "単位", "clause": "条項", "fixture": "フィクスチャ",
        "amendment": "改正予定", "totals": "{units}単位・{rules}ルール（{versions}版）・{params}パラメータ・{fixtures}フィクスチャ",
        "verification": "引用の検証状況",
    },
    "en": {
        "title": "Rule catalog", "search": "Search (clause, rule id, words)", "search_hint":
        "e.g. 規則7条2号, 第26条1項但書, reg7.item4, encryption", "no_results": "Nothing found",
        "units": "Legal source units", "rules": "Rules", "parameters": "Parameters",
        "fixtures": "Fixtures", "coming": "Coming changes", "no_coming": "No changes scheduled",
        "official_text": "Official text", "no_official_text":
        "The official text of this unit is not in the repository yet; see each rule's verbatim "
        "citations.", "versions": "Versions", "valid": "Valid", "in_force": "in force",
        "ended": "ended", "future": "not yet in force", "citations": "Citations",
        "when": "When", "then": "Then", "defeats": "Defeats", "defeated_by": "Defeated by",
        "judgment": "Judgment", "fires_in": "Fires in", "quiet_in": "Relevant but quiet in",
        "none": "none", "status": "Status", "official": "checked against the official text",
        "transcribed": "transcribed (to be checked)", "unverified": "unverified",
        "verified_on": "verified on", "value": "Value", "unit": "Unit", "constraints": "Constraints",
        "groups": "Groups", "members": "Members", "read_by": "Read by",
        "conclusions": "Conclusion codes", "file": "File", "kind": "Kind", "source": "Source",
        "as_of": "As of", "result": "Result", "pass": "pass", "fail": "FAIL",
        "fired": "Rules that fired", "home": "Contents", "kb": "Knowledge base",
        "generated_for": "Status as of", "starts": "starts", "version_n": "version {n}",
        "open_end": "(no end)", "param_of": "parameter", "rule": "rule", "unit_word": "unit",
        "clause": "clause", "fixture": "fixture", "amendment": "amendment",
        "totals": "{units} units, {rules} rules ({versions} versions), {params} parameters, "
                  "{fixtures} fixtures", "verification": "Verification of citations",
    },
}


def slug(ident: str) -> str:
    """A file name / anchor for an id (ids are lower-case [a-z0-9._-]; keep them readable)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", ident)


@dataclass
class FixtureInfo:
    id: str
    title: dict
    file: str
    source: str
    as_of: str | None
    passed: bool
    fired: list[str] = field(default_factory=list)


@dataclass
class Site:
    kb: KB
    lang: str
    today: _dt.date
    fixtures: list[FixtureInfo]
    fires: dict[str, list[str]]          # rule ref -> fixture ids where it fires
    quiet: dict[str, list[str]]          # rule ref -> fixture ids where it is relevant, quiet
    official: dict[str, dict]            # unit id -> {"text": str, "edition": str, "file": str}
    pending: list[dict]                  # coming changes: {date, what, ref, url, text}

    # ---- helpers the templates use ---------------------------------------------------------
    def t(self, key: str, **kw) -> str:
        return UI[self.lang][key].format(**kw) if kw else UI[self.lang][key]

    def text(self, value: Any) -> str:
        if isinstance(value, dict) and self.lang in value:
            return str(value[self.lang])
        return "" if value is None else str(value)

    def value(self, v: Any) -> str:
        if isinstance(v, list):
            return "\n".join(f"{x.get('no', '')}. {self.text(x)}" if isinstance(x, dict)
                             else str(x) for x in v)
        return format_value(v, self.lang)

    def state(self, valid_from: _dt.date, valid_to: _dt.date | None) -> str:
        if valid_from > self.today:
            return "future"
        if valid_to is not None and valid_to < self.today:
            return "ended"
        return "in_force"

    def yaml(self, data: Any) -> str:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False,
                              width=100).rstrip("\n")

    def unit_href(self, unit_id: str, root: str) -> str:
        return f"{root}units/{slug(unit_id)}.html"

    def rule_href(self, rule_id: str, root: str) -> str:
        rule = self.kb.rules.get(rule_id)
        if rule is None:
            return f"{root}index.html"
        return f"{self.unit_href(rule.unit_id, root)}#rule-{slug(rule_id)}"

    def param_href(self, pid: str, root: str) -> str:
        p = self.kb.parameters[pid]
        unit = next((u.id for u in self.kb.units.values() if u.file == p.file), None)
        return (f"{self.unit_href(unit, root)}#param-{slug(pid)}" if unit
                else f"{root}parameters.html#param-{slug(pid)}")

    def fixture_href(self, fid: str, root: str) -> str:
        return f"{root}fixtures.html#fx-{slug(fid)}"

    def clause(self, c: Citation) -> str:
        return c.key if self.lang == "ja" else c.key_en


# ---- building ---------------------------------------------------------------------------------
def build_site(kb: KB, fixtures: list, results: list, lang: str = "ja",
               today: _dt.date | None = None, official: dict | None = None,
               pending: list[dict] | None = None) -> Site:
    from .coverage import coverage
    rep = coverage(kb, fixtures, results).as_dict()
    fires = {r["ref"]: r["fires"] for r in rep["rules"]}
    quiet = {r["ref"]: r["relevant_not_firing"] for r in rep["rules"]}
    infos = []
    for fx, res in zip(fixtures, results):
        fired = sorted({f"{r['id']}@{r['version']}" for c in (res.assessment or {}).get("conclusions", [])
                        for r in c["rules"] if r["fired"] == "certain"})
        src = fx.doc.data.get("source", {})
        source = src.get("seed_example") or src.get("type") or ""
        title = fx.doc.data.get("title") or {"ja": fx.id, "en": fx.id}
        infos.append(FixtureInfo(fx.id, title, fx.file, source,
                                 fx.as_of.isoformat() if fx.as_of else None, res.passed, fired))
    return Site(kb, lang, today or _dt.date.today(), sorted(infos, key=lambda f: f.id), fires, quiet,
                official or {}, sorted(pending or [], key=lambda p: (p["date"], p["ref"])))


def coming_changes(kb: KB, today: _dt.date, lang: str = "ja") -> list[dict]:
    """Rule and parameter versions that begin or end after `today`, from the KB itself, and the
    promulgated amendments whose in-force date is not fixed (rules/pending/, dated by the latest
    day they can come into force)."""
    out = []
    for rec in getattr(kb, "pending", []):
        latest = rec["in_force"]["latest"]
        what = (f"改正予定：{rec['promulgated']}公布、施行日未定（遅くとも{latest}）" if lang == "ja" else
                f"coming change: promulgated {rec['promulgated']}, in-force date not fixed ({latest} at the latest)")
        out.append({"date": latest, "ref": rec["title"][lang], "kind": "pending", "id": rec["id"],
                    "what": what, "text": rec["notice"][lang]})
    for rule in kb.rules.values():
        for v in rule.versions:
            if v.valid_from > today:
                out.append({"date": v.valid_from.isoformat(), "ref": v.ref, "kind": "rule",
                            "id": rule.id, "what": "starts"})
            if v.valid_to and v.valid_to >= today:
                out.append({"date": (v.valid_to + _dt.timedelta(days=1)).isoformat(), "ref": v.ref,
                            "kind": "rule", "id": rule.id, "what": "ended"})
    for p in kb.parameters.values():
        for i, pv in enumerate(p.versions):
            if pv.valid_from > today:
                out.append({"date": pv.valid_from.isoformat(), "ref": f"{p.id}#{i + 1}",
                            "kind": "param", "id": p.id, "what": "starts",
                            "value": pv.value})
    return out


def search_entries(site: Site) -> list[dict]:
    """What the search box searches: units, rules (with the clause names they cite), parameters,
    clauses and fixtures; `u` is relative to the site's root."""
    kb, out = site.kb, []
    for u in kb.units.values():
        out.append({"k": "unit", "t": f"{u.id} — {site.text(u.title)}", "u": site.unit_href(u.id, ""),
                    "s": " ".join([u.id, u.title.get("ja", ""), u.title.get("en", "")])})
    for rule in kb.rules.values():
        keys = sorted({c.key for v in rule.versions for c in v.citations} |
                      {c.key_en for v in rule.versions for c in v.citations})
        label = kb.rule_label(rule.id, site.today)
        out.append({"k": "rule", "t": f"{rule.id} — {site.text(label)}",
                    "u": site.rule_href(rule.id, ""), "c": keys,
                    "s": " ".join([rule.id, label.get("ja", ""), label.get("en", ""), *keys])})
    for p in kb.parameters.values():
        out.append({"k": "param", "t": f"{p.id} — {site.text(p.label)}", "u": site.param_href(p.id, ""),
                    "s": " ".join([p.id, p.label.get("ja", ""), p.label.get("en", "")])})
    for fx in site.fixtures:
        out.append({"k": "fixture", "t": f"{fx.id} — {site.text(fx.title)}",
                    "u": site.fixture_href(fx.id, ""),
                    "s": " ".join([fx.id, fx.source, site.text(fx.title)])})
    return sorted(out, key=lambda e: ({"rule": 0, "unit": 1, "param": 2, "fixture": 3}[e["k"]], e["t"]))


def write_site(site: Site, out: Path) -> list[Path]:
    """Write every page under `out` (created; files of an earlier build are replaced)."""
    from .site_templates import ASSETS, PAGES
    env = Environment(loader=DictLoader(PAGES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.globals.update(site=site, sorted=sorted, len=len, slug=slug, status_counts=status_counts)
    pages = {name[:-5]: env.get_template(name) for name in PAGES}
    written: list[Path] = []
    if (out / "units").is_dir():
        shutil.rmtree(out / "units")
    (out / "units").mkdir(parents=True, exist_ok=True)
    (out / "assets").mkdir(parents=True, exist_ok=True)

    def put(rel: str, text: str) -> None:
        path = out / rel
        path.write_text(text, encoding="utf-8")
        written.append(path)

    for name, text in ASSETS.items():
        put(f"assets/{name}", text)
    index = json.dumps(search_entries(site), ensure_ascii=False, sort_keys=True, indent=0)
    put("assets/search-index.js", f"window.APPI_CATALOG_INDEX = {index};\n")
    kb = site.kb
    units = sorted(kb.units.values(), key=lambda u: (u.source_type, u.file))
    put("index.html", pages["index"].render(root="", units=units, page="index"))
    put("parameters.html", pages["parameters"].render(root="", page="parameters",
                                                      params=sorted(kb.parameters.values(),
                                                                    key=lambda p: p.id)))
    put("fixtures.html", pages["fixtures"].render(root="", page="fixtures"))
    for u in units:
        rules = sorted((r for r in kb.rules.values() if r.unit_id == u.id),
                       key=lambda r: (r.line or 0, r.id))
        params = sorted((p for p in kb.parameters.values() if p.file == u.file),
                        key=lambda p: (p.line or 0, p.id))
        concls = sorted((c for c in kb.conclusions.values() if c.file == u.file),
                        key=lambda c: (c.line or 0, c.code))
        groups = sorted((g for g in kb.groups.values() if g.unit_id == u.id), key=lambda g: g.id)
        put(f"units/{slug(u.id)}.html", pages["unit"].render(
            root="../", page="unit", unit=u, rules=rules, params=params, conclusions=concls,
            groups=groups, defeated_by=_defeated_by(kb, rules)))
    return written


def _defeated_by(kb: KB, rules: list[Rule]) -> dict[str, list[str]]:
    ids = {r.id for r in rules}
    out: dict[str, set[str]] = {i: set() for i in ids}
    for other in kb.rules.values():
        for v in other.versions:
            for target in v.defeats:
                if target in ids:
                    out[target].add(other.id)
    return {k: sorted(v) for k, v in out.items()}


def status_counts(kb: KB, unit_file: str | None = None) -> dict[str, int]:
    counts = {"official": 0, "transcribed": 0, "unverified": 0}
    for _ref, c in kb.all_citations():
        if unit_file is None or c.file == unit_file:
            counts[c.status] = counts.get(c.status, 0) + 1
    return counts



def official_texts(kb: KB, sources_dir: Path | None = None) -> dict[str, dict]:
    """unit id -> the official text of that unit, from the documents of sources/manifest.yaml.

    A document is the unit's when it has the unit's law_id (statutes, orders, rules) or is
    published at the unit's url (guidelines); the unit's part is the `§ KEY` section of its
    article or guideline section, with the sub-sections under it (3-5-4 takes 3-5-4-1 …)."""
    from .paths import PROJECT_ROOT
    from .yamlio import load_yaml
    root = sources_dir or PROJECT_ROOT / "sources"
    manifest = root / "manifest.yaml"
    if not manifest.is_file():
        return {}
    data = load_yaml(manifest, "sources/manifest.yaml").data
    docs = data.get("documents") or [] if isinstance(data, dict) else []
    out: dict[str, dict] = {}
    for unit in kb.units.values():
        key = str(unit.data.get("article") or unit.data.get("section") or "")
        if not key:
            continue
        for doc in docs:
            same_law = unit.data.get("law_id") and doc.get("law_id") == unit.data.get("law_id")
            same_page = (not unit.data.get("law_id") and unit.data.get("url")
                         and (doc.get("origin") or {}).get("publisher") == unit.data.get("url"))
            path = root / str(doc.get("file", ""))
            if not (same_law or same_page) or not path.is_file():
                continue
            text = _section_text(path.read_text(encoding="utf-8"), key)
            if text:
                edition = doc.get("edition") or {}
                label = edition.get("label")
                out[unit.id] = {"text": text, "file": f"sources/{doc.get('file')}",
                                "edition": label if label else str(edition.get("id", "")),
                                "edition_id": str(edition.get("id", "")), "title": doc.get("title", "")}
                break
    return out


def _section_text(text: str, key: str) -> str:
    """The lines under `§ key` and its sub-sections (`§ key-…`), up to the next other section."""
    out: list[str] = []
    taking = False
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if line.startswith("§ "):
            mark = line[2:].strip()
            taking = mark == key or mark.startswith(key + "-")
            continue
        if taking:
            out.append(line)
    return "\n".join(out).strip("\n")
