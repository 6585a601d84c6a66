"""Coverage of the knowledge base by its fixtures — measured, not claimed.

Three views:
  examples    every documented example of the seed deck, with the fixtures that name it;
  provisions  every clause the KB cites, with the rules citing it and the fixtures exercising them;
  rules       every rule version, with fixtures where it fires (its condition held for certain)
              and fixtures where it is relevant but does not fire (the fixture asserts the rule's
              conclusion, or a conclusion the rule feeds, or names the rule under rules_do_not_hold,
              and the rule's condition did not hold).
A gap in any view is a problem; `appi-kb coverage` exits non-zero when there is one.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .conditions import literals, normalise
from .fixtures import Fixture, Result
from .model import KB
from .vocabulary import vocabulary


@dataclass
class CoverageReport:
    examples: list[dict] = field(default_factory=list)
    provisions: list[dict] = field(default_factory=list)
    rules: list[dict] = field(default_factory=list)
    parameters: list[dict] = field(default_factory=list)
    unverified: list[dict] = field(default_factory=list)
    sources: dict[str, int] = field(default_factory=dict)     # fixtures per kind of source
    failing_fixtures: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"examples": self.examples, "provisions": self.provisions, "rules": self.rules,
                "parameters": self.parameters,
                "unverified": self.unverified, "failing_fixtures": self.failing_fixtures,
                "problems": self.problems, "sources": dict(sorted(self.sources.items())),
                "summary": self.summary()}

    def summary(self) -> dict:
        return {
            "examples": len(self.examples),
            "examples_covered": sum(1 for e in self.examples if e["fixtures"]),
            "provisions": len(self.provisions),
            "provisions_exercised": sum(1 for p in self.provisions if p["fixtures"]),
            "rule_versions": len(self.rules),
            "rule_versions_firing": sum(1 for r in self.rules if r["fires"]),
            "rule_versions_non_firing": sum(1 for r in self.rules if r["relevant_not_firing"]),
            "parameter_versions": len(self.parameters),
            "parameter_versions_exercised": sum(1 for p in self.parameters if p["exercised"]),
            "unverified_citations": len(self.unverified),
            "fixtures_failing": len(self.failing_fixtures),
            "problems": len(self.problems),
        }


def _reads(kb: KB) -> dict[str, set[str]]:
    """rule version ref -> conclusion codes its condition reads (for 'feeds' relevance)."""
    vocab = vocabulary()
    out: dict[str, set[str]] = {}
    for rule in kb.rules.values():
        for v in rule.versions:
            def err(path, message, hint=None):   # the KB already validated; never raised here
                return ValueError(message)

            def lookup(pid, path):
                p = kb.parameters[pid]
                return p.versions[0].value
            tree = normalise(v.when, v.when_path, vocab, lookup, err)
            out[v.ref] = {lit.name for lit in literals(tree) if lit.kind == "concl"}
    return out


def _param_refs(node) -> set[str]:
    """Ids of the parameters a rule's condition or conclusion refers to ({param: id})."""
    if isinstance(node, dict):
        if set(node) == {"param"}:
            return {node["param"]}
        return set().union(*(_param_refs(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_param_refs(v) for v in node)) if node else set()
    return set()


def fixture_hits(results: list[Result]) -> dict[str, list[str]]:
    """rule version ref -> ids of the fixtures in which it fired for certain."""
    hits: dict[str, set[str]] = defaultdict(set)
    for res in results:
        for c in (res.assessment or {}).get("conclusions", []):
            for r in c["rules"]:
                if r["fired"] == "certain":
                    hits[f"{r['id']}@{r['version']}"].add(res.fixture.id)
    return {ref: sorted(ids) for ref, ids in hits.items()}


def coverage(kb: KB, fixtures: list[Fixture], results: list[Result]) -> CoverageReport:
    rep = CoverageReport()
    by_example: dict[str, list[str]] = defaultdict(list)
    for fx in fixtures:
        rep.sources[fx.source_type] = rep.sources.get(fx.source_type, 0) + 1
        if fx.seed_example:
            by_example[fx.seed_example].append(fx.id)
    for ex in kb.documented_examples:
        fxs = sorted(by_example.get(ex["id"], []))
        rep.examples.append({"id": ex["id"], "line": ex["line"], "gist": ex["gist"], "fixtures": fxs})
        if not fxs:
            rep.problems.append(f"{ex['id']} ({ex['gist']}): no fixture names this example")

    reads = _reads(kb)
    consumers: dict[str, set[str]] = defaultdict(set)    # code -> codes of rules that read it
    for rule in kb.rules.values():
        for v in rule.versions:
            for code in reads[v.ref]:
                consumers[code].add(v.then["conclude"])

    fires: dict[str, set[str]] = defaultdict(set)
    quiet: dict[str, set[str]] = defaultdict(set)
    for res in results:
        if not res.passed:
            rep.failing_fixtures.append(res.fixture.id)
        a = res.assessment
        if a is None:
            continue
        exp = res.fixture.expect
        asserted = set(exp.get("conclusions", {}))
        named_quiet = set(exp.get("rules_do_not_hold", []))
        for c in a["conclusions"]:
            for r in c["rules"]:
                ref = f"{r['id']}@{r['version']}"
                if r["fired"] == "certain":
                    fires[ref].add(res.fixture.id)
                elif r["fired"] is None:
                    code = c["code"]
                    if (code in asserted or r["id"] in named_quiet
                            or consumers.get(code, set()) & asserted):
                        quiet[ref].add(res.fixture.id)

    cited: dict[str, dict] = {}
    for rule in sorted(kb.rules.values(), key=lambda r: r.id):
        for v in rule.versions:
            f, q = sorted(fires.get(v.ref, ())), sorted(quiet.get(v.ref, ()))
            rep.rules.append({"rule": rule.id, "version": v.version, "ref": v.ref, "file": v.file,
                              "line": v.line, "fires": f, "relevant_not_firing": q})
            if not f:
                rep.problems.append(f"{v.file}:{v.line}: rule {v.ref} fires in no fixture")
            if not q:
                rep.problems.append(f"{v.file}:{v.line}: rule {v.ref} has no fixture where it is "
                                    "relevant but does not fire")
            for c in v.citations:
                entry = cited.setdefault(c.key, {"key": c.key, "statuses": set(), "rules": set(),
                                                 "fixtures": set()})
                entry["statuses"].add(c.status)
                entry["rules"].add(v.ref)
                entry["fixtures"] |= fires.get(v.ref, set())
                if c.status == "unverified":
                    rep.unverified.append({"key": c.key, "rule": v.ref, "file": c.file, "line": c.line})
    users: dict[str, set[str]] = defaultdict(set)      # parameter id -> fixtures of rules using it
    for rule in kb.rules.values():
        for v in rule.versions:
            for pid in _param_refs([v.when, v.then]):
                users[pid] |= fires.get(v.ref, set())
    for p in kb.parameters.values():
        for pv in p.versions:
            for c in pv.citations:
                entry = cited.setdefault(c.key, {"key": c.key, "statuses": set(), "rules": set(),
                                                 "fixtures": set()})
                entry["statuses"].add(c.status)
                entry["rules"].add(f"param:{p.id}")
                entry["fixtures"] |= users.get(p.id, set())
                if c.status == "unverified":
                    rep.unverified.append({"key": c.key, "rule": f"param:{p.id}", "file": c.file,
                                           "line": c.line})
    for key in sorted(cited):
        e = cited[key]
        rep.provisions.append({"key": key, "statuses": sorted(e["statuses"]),
                               "rules": sorted(e["rules"]), "fixtures": sorted(e["fixtures"])})
    rep.unverified.sort(key=lambda u: (u["file"], u["line"] or 0, u["rule"]))
    _parameter_versions(kb, results, fires, quiet, rep)
    for fid in rep.failing_fixtures:
        rep.problems.append(f"fixture {fid} fails: coverage through it is not trustworthy")
    return rep


def _parameter_versions(kb: KB, results: list[Result], fires: dict[str, set[str]],
                        quiet: dict[str, set[str]], rep: CoverageReport) -> None:
    """Each parameter version must be exercised by a fixture assessed while it is in force: where
    a rule compares a fact with it, on both sides (the test holds in one fixture and fails in
    another, each relevant to the rule); where a rule only uses it (days, lists, texts), in a
    fixture where that rule fires."""
    import datetime as _dt

    from .facts import incident_facts
    from .literal import F, T, evaluate
    vocab = vocabulary()
    facts_of: dict[str, object] = {}
    day_of = {res.fixture.id: _dt.date.fromisoformat(res.assessment["as_of"])
              for res in results if res.assessment}
    by_id = {res.fixture.id: res for res in results if res.assessment}

    def facts(fid: str):
        if fid not in facts_of:
            facts_of[fid] = incident_facts(by_id[fid].fixture.incident)
        return facts_of[fid]

    for pid in sorted(kb.parameters):
        p = kb.parameters[pid]
        for i, pv in enumerate(p.versions):
            entry = {"param": pid, "version": i + 1, "ref": f"{pid}#{i + 1}",
                     "valid_from": pv.valid_from.isoformat(),
                     "valid_to": pv.valid_to.isoformat() if pv.valid_to else None,
                     "file": p.file, "line": pv.line, "compared_by": [], "used_by": [],
                     "holds": [], "fails": [], "fires": [], "exercised": False}
            holds: set[str] = set()
            fails: set[str] = set()
            fired: set[str] = set()

            def in_force(fid: str, _pv=pv) -> bool:
                day = day_of.get(fid)
                return day is not None and _pv.valid_from <= day and (
                    _pv.valid_to is None or day <= _pv.valid_to)

            for rule in sorted(kb.rules.values(), key=lambda r: r.id):
                for v in rule.versions:
                    if pid not in _param_refs([v.when, v.then]):
                        continue
                    if v.valid_to and v.valid_to < pv.valid_from or \
                            pv.valid_to and pv.valid_to < v.valid_from:
                        continue
                    used_at: set[tuple] = set()

                    def lookup(qid, path, _used=used_at, _pid=pid, _value=pv.value):
                        if qid == _pid:
                            _used.add(path)
                            return _value
                        q = kb.parameters[qid].versions
                        return q[-1].value

                    def err(path, message, hint=None):
                        return ValueError(message)
                    tree = normalise(v.when, v.when_path, vocab, lookup, err)
                    # the fact tests whose operand is this parameter: looked up at (test, op, "param")
                    lits = [lit for lit in literals(tree) if lit.kind == "fact" and any(
                        len(u) == len(lit.path) + 2 and u[:len(lit.path)] == lit.path for u in used_at)]
                    if lits:
                        entry["compared_by"].append(v.ref)
                        relevant = (fires.get(v.ref, set()) | quiet.get(v.ref, set()))
                        for fid in sorted(relevant):
                            if not in_force(fid):
                                continue
                            values = {evaluate(lit, facts(fid)).value for lit in lits}
                            if values == {T}:
                                holds.add(fid)
                            elif F in values:
                                fails.add(fid)
                    else:
                        entry["used_by"].append(v.ref)
                        fired |= {f for f in fires.get(v.ref, set()) if in_force(f)}
            entry["holds"], entry["fails"], entry["fires"] = sorted(holds), sorted(fails), sorted(fired)
            where = f"{p.file}:{pv.line}"
            if entry["compared_by"]:
                entry["exercised"] = bool(holds and fails)
                if not holds:
                    rep.problems.append(f"{where}: parameter {entry['ref']} ({pv.valid_from}..): no "
                                        f"fixture in force then where the test against it holds "
                                        f"({', '.join(entry['compared_by'])})")
                if not fails:
                    rep.problems.append(f"{where}: parameter {entry['ref']} ({pv.valid_from}..): no "
                                        f"fixture in force then where the test against it fails "
                                        f"({', '.join(entry['compared_by'])})")
            elif entry["used_by"]:
                entry["exercised"] = bool(fired)
                if not fired:
                    rep.problems.append(f"{where}: parameter {entry['ref']} ({pv.valid_from}..): no "
                                        f"fixture in force then where a rule using it fires "
                                        f"({', '.join(entry['used_by'])})")
            else:
                entry["exercised"] = True      # read by no rule in force with it: nothing to test
            rep.parameters.append(entry)

