"""`appi-kb verify RECEIPT INCIDENT`: re-run an assessment and say whether it reproduces.

RECEIPT is the JSON an assessment wrote (`assess --format json`, or its `receipt` alone). The
incident is assessed again, on the receipt's date when that was chosen with --as-of, with the
KB and installation at hand. The outcome is *identical* when the content hash of the new
assessment equals the receipt's `output_sha256`; otherwise the differences are listed, and the
causes the receipt can name: the input, the KB's files (which ones), the release, the rule and
parameter versions applied, the packages (holidays: the national-holiday calendar), the engine's
code and the schemas.
"""
from __future__ import annotations

import json
from pathlib import Path

from .errors import InputError

WORDS = {
    "ja": {"identical": "再現しました：判定内容は同一です（output_sha256 {sha}）",
           "differs": "再現しません：判定内容が異なります",
           "why": "異なる原因（レシートとの比較）", "same_inputs": "入力・ナレッジベース・依存パッケージ・エンジンはすべて同じです",
           "outcomes": "結論の違い", "note": "参考（結果には影響しません）",
           "input": "入力（インシデント）の内容が異なります", "kb_version": "KB の版",
           "files": "ルールファイル", "lock": "リリース", "rules": "適用したルールの版",
           "params": "適用したパラメータの版", "package": "パッケージ", "code": "エンジンのコード",
           "schemas": "スキーマ", "as_of": "判定基準日", "kb_dir": "KB の場所",
           "holidays": "祝日の暦が変わると、期限の繰り延べが変わることがあります",
           "no_body": "レシートだけが与えられたため、結論ごとの違いは示せません（assess --format json の出力全体を渡してください）"},
    "en": {"identical": "Reproduced: the assessment is identical (output_sha256 {sha})",
           "differs": "Not reproduced: the assessment differs",
           "why": "What differs from the receipt", "same_inputs": "input, knowledge base, packages and engine are all the same",
           "outcomes": "Conclusions that differ", "note": "For reference (does not change the result)",
           "input": "the incident's content differs", "kb_version": "KB version",
           "files": "rule files", "lock": "release", "rules": "rule versions applied",
           "params": "parameter versions applied", "package": "package", "code": "the engine's code",
           "schemas": "schemas", "as_of": "assessment date", "kb_dir": "KB folder",
           "holidays": "a changed holiday calendar can move a deadline that rolls past a holiday",
           "no_body": "only a receipt was given, so conclusions cannot be compared one by one "
                      "(give the whole output of assess --format json)"},
}


def read_receipt(path: Path) -> tuple[dict, dict | None]:
    """(receipt, the full assessment or None) from a JSON file."""
    from .paths import display
    where = display(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read the receipt: {exc}", file=where, kind="usage",
                         hint="give the JSON written by `appi-kb assess INCIDENT --format json`") from None
    if isinstance(data, dict) and isinstance(data.get("receipt"), dict):
        receipt, body = data["receipt"], data
    elif isinstance(data, dict) and "output_sha256" in data:
        receipt, body = data, None
    else:
        raise InputError("this JSON is neither an assessment nor a receipt", file=where, kind="usage",
                         hint="give the JSON written by `appi-kb assess INCIDENT --format json`")
    if "output_sha256" not in receipt or "input_sha256" not in receipt:
        raise InputError("this receipt has no output_sha256/input_sha256 (written by an older "
                         "appi-kb): it cannot be verified", file=where, kind="usage",
                         hint="assess the incident again with this appi-kb to get a full receipt")
    return receipt, body


def _list_diff(old: list, new: list) -> dict:
    a, b = set(old or []), set(new or [])
    return {"removed": sorted(a - b), "added": sorted(b - a)}


def compare(receipt: dict, body: dict | None, new: dict) -> dict:
    """The verdict and every difference, with its cause."""
    from .diff import compare as compare_outcomes
    r = new["receipt"]
    causes, notes = [], []

    def cause(kind: str, **kw) -> None:
        causes.append(dict(kind=kind, **kw))

    if receipt["input_sha256"] != r["input_sha256"]:
        cause("input", **{"from": receipt["input_sha256"], "to": r["input_sha256"]})
    if receipt.get("as_of") != r["as_of"]:
        cause("as_of", **{"from": receipt.get("as_of"), "to": r["as_of"]})
    if receipt.get("kb_version") != r["kb_version"]:
        cause("kb_version", **{"from": receipt.get("kb_version"), "to": r["kb_version"]})
    old_files, new_files = receipt.get("files", {}), r.get("files", {})
    changed = sorted(f for f in set(old_files) | set(new_files) if old_files.get(f) != new_files.get(f))
    if changed or receipt.get("rules_sha256") != r["rules_sha256"]:
        cause("files", changed=changed, **{"from": receipt.get("rules_sha256"), "to": r["rules_sha256"]})
    if (receipt.get("lock") or {}).get("sha256") != (r.get("lock") or {}).get("sha256"):
        cause("lock", **{"from": receipt.get("lock"), "to": r.get("lock")})
    for key, kind in (("rule_versions", "rules"), ("parameter_versions", "params")):
        d = _list_diff(receipt.get(key, []), r.get(key, []))
        if d["added"] or d["removed"]:
            cause(kind, **d)
    old_pk, new_pk = receipt.get("packages", {}), r.get("packages", {})
    for name in sorted(set(old_pk) | set(new_pk)):
        if old_pk.get(name) != new_pk.get(name):
            entry = {"name": name, "from": old_pk.get(name), "to": new_pk.get(name)}
            (notes if name == "python" else causes).append(dict(kind="package", **entry))
    if receipt.get("code_sha256") != r.get("code_sha256"):
        cause("code", **{"from": receipt.get("code_sha256"), "to": r.get("code_sha256")})
    if receipt.get("schemas_sha256") != r.get("schemas_sha256"):
        old_s, new_s = receipt.get("schemas_sha256") or {}, r.get("schemas_sha256") or {}
        cause("schemas", changed=sorted(k for k in set(old_s) | set(new_s) if old_s.get(k) != new_s.get(k)))
    if receipt.get("kb_dir") != r.get("kb_dir"):
        notes.append({"kind": "kb_dir", "from": receipt.get("kb_dir"), "to": r.get("kb_dir")})
    identical = receipt["output_sha256"] == r["output_sha256"]
    outcomes = None
    if not identical and body is not None:
        outcomes, _ = compare_outcomes(body, new)
    return {"verdict": "identical" if identical else "differs",
            "output_sha256": {"receipt": receipt["output_sha256"], "now": r["output_sha256"]},
            "causes": causes, "notes": notes, "outcomes": outcomes, "receipt_only": body is None}


def render_text(result: dict, lang: str = "ja") -> str:
    from .render.diff import outcome_text
    w = WORDS[lang]
    out = []
    if result["verdict"] == "identical":
        out.append(w["identical"].format(sha=result["output_sha256"]["now"]))
    else:
        out.append(w["differs"] + f" ({result['output_sha256']['receipt'][:12]} → "
                                  f"{result['output_sha256']['now'][:12]})")
    if result["causes"]:
        out += ["", f"■ {w['why']}"]
        for c in result["causes"]:
            out.append("  " + _cause_text(c, w))
    elif result["verdict"] != "identical":
        out += ["", f"■ {w['why']}", "  " + w["same_inputs"]]
    if result["verdict"] != "identical":
        if result["receipt_only"]:
            out += ["", w["no_body"]]
        elif result["outcomes"]:
            out += ["", f"■ {w['outcomes']}"] + [f"  {outcome_text(d, lang)}" for d in result["outcomes"]]
    if result["notes"]:
        out += ["", f"■ {w['note']}"] + ["  " + _cause_text(n, w) for n in result["notes"]]
    return "\n".join(out) + "\n"


def _cause_text(c: dict, w: dict) -> str:
    kind = c["kind"]
    if kind == "input":
        return f"{w['input']} ({c['from'][:12]} → {c['to'][:12]})"
    if kind == "files":
        return f"{w['files']}: " + (", ".join(c["changed"]) or f"{c['from'][:12]} → {c['to'][:12]}")
    if kind in ("rules", "params"):
        parts = [f"-{x}" for x in c["removed"]] + [f"+{x}" for x in c["added"]]
        return f"{w[kind]}: {', '.join(parts)}"
    if kind == "package":
        text = f"{w['package']} {c['name']}: {c['from']} → {c['to']}"
        return text + (f" — {w['holidays']}" if c["name"] == "holidays" else "")
    if kind == "code":
        return f"{w['code']}: {str(c['from'])[:12]} → {str(c['to'])[:12]}"
    if kind == "schemas":
        return f"{w['schemas']}: {', '.join(c['changed'])}"
    if kind == "lock":
        a, b = c["from"] or {}, c["to"] or {}
        return f"{w['lock']}: {a.get('kb_version')} ({a.get('status')}) → {b.get('kb_version')} ({b.get('status')})"
    return f"{w.get(kind, kind)}: {c.get('from')} → {c.get('to')}"
