"""Text reports for the auditor's commands: coverage, cite, mutate (JSON is the data itself)."""
from __future__ import annotations

from .messages import msg


def coverage_text(rep: dict, kb_label: str, n_fixtures: int, lang: str) -> str:
    s = rep["summary"]
    out = [msg(lang, "cov.title", fixtures=n_fixtures, kb=kb_label), ""]
    if rep.get("sources"):
        out += ["■ " + msg(lang, "cov.sources",
                           kinds=", ".join(f"{k} {n}" for k, n in rep["sources"].items())), ""]
    out.append("■ " + msg(lang, "cov.examples", covered=s["examples_covered"], total=s["examples"]))
    for e in rep["examples"]:
        fx = ", ".join(e["fixtures"]) or "—"
        out.append(f"  {e['id']}  {len(e['fixtures']):>3} {msg(lang, 'cov.fixtures')}  {fx}")
    out += ["", "■ " + msg(lang, "cov.provisions", exercised=s["provisions_exercised"],
                            total=s["provisions"])]
    for p in rep["provisions"]:
        out.append(f"  {p['key']}  [{', '.join(p['statuses'])}]  rules {len(p['rules'])}  "
                   f"{msg(lang, 'cov.fixtures')} {len(p['fixtures'])}")
    out += ["", "■ " + msg(lang, "cov.rules", total=s["rule_versions"], firing=s["rule_versions_firing"],
                            quiet=s["rule_versions_non_firing"])]
    for r in rep["rules"]:
        out.append(f"  {r['ref']:<48} {msg(lang, 'cov.fires')} {len(r['fires']):>3}  "
                   f"{msg(lang, 'cov.quiet')} {len(r['relevant_not_firing']):>3}")
    if "parameters" in rep:
        out += ["", "■ " + msg(lang, "cov.params", total=s["parameter_versions"],
                                exercised=s["parameter_versions_exercised"])]
        for p in rep["parameters"]:
            sides = (f"{msg(lang, 'cov.holds')} {len(p['holds']):>3}  {msg(lang, 'cov.fails')} "
                     f"{len(p['fails']):>3}" if p["compared_by"] else
                     f"{msg(lang, 'cov.fires')} {len(p['fires']):>3}")
            out.append(f"  {p['ref']:<48} {p['valid_from']}..{p['valid_to'] or '':<10}  {sides}")
    out += ["", "■ " + msg(lang, "cov.unverified", n=s["unverified_citations"])]
    for u in rep["unverified"]:
        out.append(f"  {u['file']}:{u['line']}  {u['key']}  ({u['rule']})")
    out += ["", "■ " + msg(lang, "cov.problems", n=s["problems"])]
    out += [f"  {p}" for p in rep["problems"]] or [f"  {msg(lang, 'cov.ok')}"]
    return "\n".join(out) + "\n"


def cite_text(res: dict, lang: str) -> str:
    out = [msg(lang, "cite.title", clause=", ".join(res["clauses"]), n=len(res["citations"])), ""]
    for c in res["citations"]:
        valid = f"{c['valid_from']}..{c['valid_to'] or ''}"
        label = c["label"][lang]
        out.append(f"● [{c['clause']}] {c['rule']}@{c['version']}  {label}  ({valid})  "
                   f"{c['file']}:{c['line']}")
        status = c["status"] + (f" {c['verified_on']}" if c.get("verified_on") else "")
        if c.get("checked_against"):
            status += f" ({c['checked_against']['source']} {c['checked_against']['edition']})"
        out.append(f"    「{c['quote']}」 — {status}")
        if c.get("unverified_reason"):
            out.append(f"    {c['unverified_reason'][lang]}")
        if c.get("url"):
            out.append(f"    {c['url']}")
        if c.get("value") is not None:
            out.append(f"    value: {c['value']}")
        if c["fixtures"]:
            out.append(f"    {msg(lang, 'cite.fires_in')}: {', '.join(c['fixtures'])}")
    return "\n".join(out) + "\n"


def mutate_text(outcomes: list[dict], lang: str) -> str:
    total = len(outcomes)
    survivors = [o for o in outcomes if not o["killed_by"]]
    killed = total - len(survivors)
    score = f"{100.0 * killed / total:.1f}%" if total else "—"
    out = [msg(lang, "mut.title", total=total, killed=killed, survived=len(survivors), score=score), ""]
    if survivors:
        out.append("■ " + msg(lang, "mut.survivors"))
        out += [f"  {o['mutant']:<60} {o['file']}:{o['line']}" for o in survivors]
    else:
        out.append(msg(lang, "mut.none"))
    return "\n".join(out) + "\n"
