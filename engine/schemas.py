"""JSON Schema validation of loaded YAML documents, with errors that name the file and line.

jsonschema's own messages are written for programmers ("Additional properties are not allowed
('foo' was unexpected)"); editors get one sentence that says what is wrong and what to write.

jsonschema is imported only when a document is not valid (or its schema is one engine/conforms.py
does not compile): a valid incident is checked by conforms.py's compiled tests, which give the same
yes/no, and importing jsonschema would be a sixth of a cold `appi-kb assess` (issue 6.6).
"""
from __future__ import annotations

import datetime as _dt
import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Iterable

from .conforms import compile_schema
from .errors import EXCERPT, InputError, InputErrors, quote
from .paths import SCHEMAS_DIR
from .yamlio import Doc, path_text

if TYPE_CHECKING:
    import jsonschema


# Dates are real calendar days in years a breach of today's law can involve; 9999-12-20 would
# overflow date arithmetic (a deadline 60 days later), 0001-01-01 is a typo.
FIRST_YEAR, LAST_YEAR = 1900, 2999


class DateOutOfRange(ValueError):
    pass


def check_date_range(day: _dt.date) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise DateOutOfRange(f"the year {day.year} is outside {FIRST_YEAR}–{LAST_YEAR}")


def _is_date(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    day = _dt.date.fromisoformat(value)
    if len(value) != 10:
        return False
    check_date_range(day)
    return True


def _is_date_or_unknown(value: Any) -> bool:
    if value == "unknown" or not isinstance(value, str):
        return True
    return _is_date(value)


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    with open(SCHEMAS_DIR / f"{name}.schema.json", encoding="utf-8") as fh:
        return json.load(fh)


# Our formats, each valid when it returns true; False or ValueError: not valid. jsonschema's
# FormatChecker and conforms.py are given the same functions.
FORMATS: dict[str, Callable[[Any], bool]] = {"date": _is_date, "appi-date": _is_date_or_unknown}


@lru_cache(maxsize=None)
def _validator_class() -> type:
    import jsonschema
    from jsonschema import Draft202012Validator
    # JSON Schema counts 1500.0 as an integer; a count written 1500.0 or 1.5e3 is refused here
    # instead (facts.py would otherwise drop a float count as unknown).
    return jsonschema.validators.extend(
        Draft202012Validator,
        type_checker=Draft202012Validator.TYPE_CHECKER.redefine(
            "integer", lambda _checker, v: isinstance(v, int) and not isinstance(v, bool)))


@lru_cache(maxsize=None)
def _format_checker() -> "jsonschema.FormatChecker":
    from jsonschema import FormatChecker
    checker = FormatChecker()
    for name, test in FORMATS.items():
        checker.checks(name, raises=ValueError)(test)
    return checker


@lru_cache(maxsize=None)
def _registry():
    """Every schema of schemas/ by its $id, so one may $ref another (the fixture's incident part
    is the incident schema)."""
    from referencing import Registry, Resource
    resources = []
    for path in sorted(SCHEMAS_DIR.glob("*.schema.json")):
        with open(path, encoding="utf-8") as fh:
            schema = json.load(fh)
        if "$id" in schema:
            resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


@lru_cache(maxsize=None)
def validator(name: str) -> "jsonschema.Draft202012Validator":
    # The schemas are checked against the JSON Schema meta-schema by the tests
    # (tests/test_schemas.py), not on every start: that check cost more than all the rest of
    # validating an incident.
    return _validator_class()(load_schema(name), registry=_registry(),
                              format_checker=_format_checker())


@lru_cache(maxsize=None)
def conforms(name: str) -> Callable[[Any], bool] | None:
    """The compiled yes/no check of schemas/<name>.schema.json, or None when only jsonschema can
    tell (engine/conforms.py)."""
    return compile_schema(load_schema(name), FORMATS)


def schema_version(name: str) -> str:
    return load_schema(name).get("x-schema-version", "0")


def validate_doc(doc: Doc, name: str, *, limit: int = 20) -> None:
    """Raise InputError(s) if `doc` does not conform to schemas/<name>.schema.json."""
    if not isinstance(doc.data, dict):
        raise doc.error((), f"expected a mapping at the top of the file, found {_kind(doc.data)}",
                        "write the file as key: value lines (see examples/ for an incident, rules/ for a rule file)", kind="schema")
    if name == "incident":            # labels, date forms, per-kind status: read as a person writes
        from .incident_input import normalise
        normalise(doc)
    check = conforms(name)
    if check is not None and check(doc.data):
        return                       # valid: jsonschema would find nothing (tests/test_conforms.py)
    errors = _collect(doc, name)
    if not errors:
        return
    errors = errors[:limit]
    raise errors[0] if len(errors) == 1 else InputErrors(errors)


def _collect(doc: Doc, name: str) -> list[InputError]:
    found: dict[tuple, InputError] = {}
    for err in validator(name).iter_errors(doc.data):
        leaf = _deepest(err)
        e = _explain(doc, leaf)
        found.setdefault((e.line or 0, e.message), e)
    return sorted(found.values(), key=lambda e: (e.line or 0, e.message))


def _deepest(err: "jsonschema.ValidationError") -> "jsonschema.ValidationError":
    """For anyOf/oneOf/if-then, report the most specific sub-error instead of 'not valid under any'."""
    if not err.context:
        return err
    # A branch that failed *inside* the value (a list item not in the enum) matched the value's
    # shape; best_match would prefer the shallower "const: unknown" of the other branch.
    inside = [e for e in err.context if len(e.absolute_path) > len(err.absolute_path)]
    from jsonschema.exceptions import best_match
    best = best_match(inside or err.context)
    # an anyOf whose branches fail on *type* says little: keep the parent, explained by _explain
    if best.validator == "type" and err.validator in ("anyOf", "oneOf") and len(best.absolute_path) == len(err.absolute_path):
        return err
    return _deepest(best)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({quote(value)})"
    if isinstance(value, str):
        return f"text ({quote(value)})"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number",
               "boolean": "true or false", "array": "a list", "object": "a mapping", "null": "null"}


def _whole_number_hint(value: Any) -> str | None:
    """For a float where a whole number belongs: the number to write (1500.0, 1.5e3 -> 1500)."""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"write {int(value)} (a whole number, in digits 0-9 only)"
        return "write a whole number, in digits 0-9 only"
    return None


def _where(path: Iterable) -> str:
    return path_text(tuple(path))


def suggest(word: str, options: Iterable[str]) -> str | None:
    import difflib
    options = [str(o) for o in options]
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    return close[0] if close else None


def _explain(doc: Doc, err: "jsonschema.ValidationError") -> InputError:
    path = tuple(err.absolute_path)
    where = _where(path)
    v = err.validator
    inst = err.instance
    hint = None
    if v == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        extras = sorted(set(inst) - set(allowed)) if isinstance(inst, dict) else []
        key = extras[0] if extras else "?"
        guess = suggest(key, allowed)
        message = f"unknown key {quote(key)} in {where}"
        hint = f"did you mean '{guess}'?" if guess else f"allowed keys: {', '.join(allowed)}"
        # `{ja: 報告, 通知, en: …}` reads as three keys, the second with no value: a comma inside
        # {...} text, not a misspelt key, is then the likely cause
        if not guess and (" " in key.strip() or (isinstance(inst, dict) and inst.get(key) is None)):
            hint = ("a comma inside {...} starts a new key: put text that contains a comma in "
                    "double quotes")
        return doc.error(path + (key,), message, hint, kind="schema")
    if v == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        hint = f"add '{missing}:'"
        about = _describe_property(err.schema, missing)
        if about:
            hint += f" ({about})"
        condition = _required_when(err.schema)
        if condition:
            hint += f"; it is required when {condition}"
        return doc.error(path, f"missing required key '{missing}' in {where}", hint, kind="schema")
    if v == "enum":
        options = [o for o in err.validator_value]
        guess = suggest(inst, [o for o in options if isinstance(o, str)]) if isinstance(inst, str) else None
        shown = ", ".join(json.dumps(o, ensure_ascii=False) for o in options[:40])
        message = f"{where}: {_kind(inst)} is not an allowed value"
        hint = f"did you mean '{guess}'?" if guess else f"use one of: {shown}"
        return doc.error(path, message, hint, kind="value")
    if v == "const":
        return doc.error(path, f"{where}: {_kind(inst)} is not allowed here",
                         f"write {json.dumps(err.validator_value, ensure_ascii=False)}", kind="value")
    if v == "type":
        want = err.validator_value
        want = [want] if isinstance(want, str) else want
        words = " or ".join(_TYPE_WORDS.get(w, w) for w in want)
        return doc.error(path, f"{where}: expected {words}, found {_kind(inst)}",
                         (_whole_number_hint(inst) if "integer" in want else None)
                         or "fix the value's type", kind="type")
    if v in ("anyOf", "oneOf"):
        kinds = sorted({_describe_branch(s) for s in err.validator_value})
        hint = f"expected {' or '.join(k for k in kinds if k)}"
        if any(b.get("type") == "integer" for b in err.validator_value if isinstance(b, dict)):
            extra = _whole_number_hint(inst)
            hint += f": {extra}" if extra else ""
        return doc.error(path, f"{where}: {_kind(inst)} is not valid here", hint, kind="type")
    if v == "format":
        if err.validator_value in ("date", "appi-date") and isinstance(err.cause, DateOutOfRange):
            return doc.error(path, f"{where}: {quote(inst)} is outside the years "
                             f"{FIRST_YEAR}–{LAST_YEAR}", "check the year", kind="date")
        if err.validator_value in ("date", "appi-date"):
            return doc.error(path, f"{where}: {quote(inst)} is not a real calendar date",
                             "write an existing date as YYYY-MM-DD" +
                             (" or 'unknown'" if err.validator_value == "appi-date" else ""),
                             kind="date")
        return doc.error(path, f"{where}: {quote(inst)} is not a valid {err.validator_value}",
                         kind="value")
    if v == "pattern":
        return doc.error(path, f"{where}: {_kind(inst)} does not have the expected form",
                         f"it must match {err.validator_value}", kind="value")
    if v in ("minItems", "minLength", "minProperties"):
        return doc.error(path, f"{where} is empty", "give at least one value", kind="schema")
    if v in ("maxProperties",):
        keys = ", ".join(sorted(inst)) if isinstance(inst, dict) else ""
        keys = keys if len(keys) <= EXCERPT else quote(keys)
        return doc.error(path, f"{where} has too many keys ({keys})",
                         "a fact test has exactly one operator besides 'fact'; use 'all' to combine tests",
                         kind="schema")
    if v in ("minimum", "maximum", "maxLength", "maxItems", "uniqueItems"):
        return doc.error(path, f"{where}: {err.message}", kind="value")
    return doc.error(path, f"{where}: {err.message}", kind="schema")


def _schema_parents(target: dict) -> list[dict]:
    """The chain of schema objects from the root down to `target` (found by identity)."""
    def walk(node, chain):
        if node is target:
            return chain + [node]
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                found = walk(child, chain + [node] if isinstance(node, dict) else chain)
                if found:
                    return found
        return None
    for name in ("rule", "kb", "incident", "fixture", "assessment"):
        try:
            found = walk(load_schema(name), [])
        except FileNotFoundError:
            continue
        if found:
            return found
    return []


def _describe_property(schema: dict, key: str) -> str | None:
    """The schema's own description of `key`, from the nearest object that declares it."""
    for node in reversed(_schema_parents(schema) or [schema]):
        prop = node.get("properties", {}).get(key)
        if isinstance(prop, dict) and prop.get("description"):
            return prop["description"]
    return None


def _required_when(schema: dict) -> str | None:
    """For a key required by an if/then, the condition in words: 'type is statute or regulation'."""
    for node in _schema_parents(schema):
        if node.get("then") is schema and isinstance(node.get("if"), dict):
            words = []
            for key, test in node["if"].get("properties", {}).items():
                if "const" in test:
                    words.append(f"{key} is {test['const']}")
                elif "enum" in test:
                    values = [str(x) for x in test["enum"]]
                    words.append(f"{key} is " + (", ".join(values[:-1]) + " or " + values[-1]
                                                 if len(values) > 1 else values[0]))
            return " and ".join(words) or None
    return None


def _describe_branch(schema: dict) -> str:
    if "$ref" in schema:
        return "a mapping (" + schema["$ref"].rsplit("/", 1)[-1] + ")"
    if "const" in schema:
        return json.dumps(schema["const"], ensure_ascii=False)
    t = schema.get("type")
    if isinstance(t, list):
        return " or ".join(_TYPE_WORDS.get(x, x) for x in t)
    if t:
        return _TYPE_WORDS.get(t, t)
    return ""
