"""What the knowledge base covers and what it does not (issue 7.3), read from rules/kb.yaml `scope`.

`covers` names each regime the KB encodes, the conclusion that says an incident falls under it and
the rule units (files) that encode it; `does_not_cover` names each regime it does not, with the
reason and where to look, and the conclusion (`flag`, section scope) a rule draws when an
incident's facts touch it. `check_scope` keeps the declaration true: every unit of the KB is
declared under some `covers`, every name it uses exists, every flag is a conclusion of the scope
section and every conclusion of that section is some entry's flag. `flags` gives an assessment the
reason and the pointer of each flag that holds.
"""
from __future__ import annotations

from .errors import InputError
from .yamlio import Doc

SECTION = "scope"


def check_scope(manifest: Doc, units: dict, concls: dict) -> tuple[list[InputError], list[str]]:
    """(errors, warnings): a name that does not exist is an error; a unit no `covers` entry
    declares is a warning (an editor adding a file is told to declare it, not stopped)."""
    scope = manifest.data.get("scope")
    if scope is None:
        return [], []
    errors: list[InputError] = []
    warnings: list[str] = []
    declared: dict[str, str] = {}
    for i, entry in enumerate(scope["covers"]):
        p = ("scope", "covers", i)
        if entry["entry"] not in concls:
            errors.append(manifest.error(p + ("entry",), f"scope entry '{entry['id']}': no conclusion "
                                         f"'{entry['entry']}'", "name the conclusion that says an "
                                         "incident falls under this regime", kind="reference"))
            errors[-1].about = entry["entry"]       # a knock-on when the file declaring it failed
        for j, unit in enumerate(entry["units"]):
            if unit not in units:
                errors.append(manifest.error(p + ("units", j), f"scope entry '{entry['id']}': no rule "
                                             f"unit '{unit}'", "name a unit id of a rule file",
                                             kind="reference"))
                errors[-1].about = unit
            elif unit in declared:
                errors.append(manifest.error(p + ("units", j), f"unit '{unit}' is declared under both "
                                             f"'{declared[unit]}' and '{entry['id']}'",
                                             "declare each unit once", kind="duplicate"))
            else:
                declared[unit] = entry["id"]
    flags: dict[str, str] = {}
    for i, entry in enumerate(scope["does_not_cover"]):
        flag = entry.get("flag")
        if flag is None:
            continue
        p = ("scope", "does_not_cover", i, "flag")
        if flag not in concls:
            errors.append(manifest.error(p, f"scope entry '{entry['id']}': no conclusion '{flag}'",
                                         "declare it in a rule file (section scope) and a rule that "
                                         "draws it", kind="reference"))
            errors[-1].about = flag
        elif concls[flag].section != SECTION:
            errors.append(manifest.error(p, f"flag '{flag}' is in section '{concls[flag].section}'",
                                         f"a flag is shown as 対象外・要確認: put it in section {SECTION}",
                                         kind="reference"))
        flags[flag] = entry["id"]
    for code, c in concls.items():
        if c.section == SECTION and code not in flags:
            warnings.append(f"{c.file}:{c.line}: conclusion '{code}' is in section {SECTION} but no "
                            "scope.does_not_cover entry in rules/kb.yaml names it as its flag (the "
                            "answer cannot say why or where to look)")
    scope_units = {c.file for c in concls.values() if c.section == SECTION}
    for unit in units.values():
        if unit.id not in declared and unit.file not in scope_units:
            warnings.append(f"{unit.file}: rule unit '{unit.id}' is not declared under scope.covers "
                            "in rules/kb.yaml (add it to the units of the regime it encodes, so the "
                            "KB says what it covers)")
    return errors, warnings


def flags(scope: dict | None) -> dict[str, dict]:
    """Flag conclusion -> its does_not_cover entry (title, reason, where, url)."""
    return {e["flag"]: e for e in (scope or {}).get("does_not_cover", []) if e.get("flag")}
