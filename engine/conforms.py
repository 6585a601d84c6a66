"""A yes/no check of a document against one of our JSON schemas, without jsonschema (issue 6.6).

Importing jsonschema (with referencing, attrs, rpds and its format and meta-schema modules) is a
sixth of a cold `appi-kb assess`, and on the usual path nothing is wrong with the input. This
module compiles a schema once into plain Python tests that answer only "valid or not". A valid
document is then done; an invalid one goes to jsonschema, which finds every error and whose
messages engine/schemas.py explains — so errors read exactly as before.

Only the keywords our schemas use are compiled, each with jsonschema's Draft 2020-12 meaning (and
our strict integers: 1500.0 is not an integer). A schema with any other keyword, a `$ref` outside
its own file, or a format without a checker here is not compiled at all (`compile_schema` returns
None) and every document of it goes to jsonschema. Where exactness would cost code (unique items
that are not all text), the check answers "not valid" and lets jsonschema decide: a wrong "not
valid" costs time, never a message. tests/test_conforms.py holds the two to the same answer on
every document of the repository, on generated incidents and on broken copies of them.
"""
from __future__ import annotations

from typing import Any, Callable

Check = Callable[[Any], bool]

# Keywords that only annotate: they never make a document invalid.
_ANNOTATIONS = {"$schema", "$id", "$defs", "$comment", "title", "description", "default",
                "examples", "deprecated", "readOnly", "writeOnly"}


class Unsupported(Exception):
    """The schema uses something this module does not compile."""


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# jsonschema's types, with the project's strict integer (engine/schemas.py redefines "integer")
_TYPES: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": _number,
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def _scalar_equal(a: Any, b: Any) -> bool | None:
    """jsonschema's `equal` for scalars (true is not 1); None for lists and mappings."""
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        return None
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def _member(options: list) -> Check:
    if all(isinstance(o, str) for o in options):
        texts = frozenset(options)
        return lambda v: isinstance(v, str) and v in texts
    if any(isinstance(o, (list, dict)) for o in options):
        raise Unsupported("enum or const with a list or mapping")
    # a list or mapping never equals a scalar option; for scalars, jsonschema's equality
    return lambda v: any(_scalar_equal(v, o) for o in options)


def _unique(items: list) -> bool:
    if all(isinstance(i, str) for i in items):
        return len(set(items)) == len(items)
    return False                     # not decided here: jsonschema's answer is taken


class _Compiler:
    def __init__(self, root: dict, formats: dict[str, Callable[[Any], bool]]) -> None:
        self.root, self.formats = root, formats
        self.refs: dict[str, list[Check]] = {}

    def ref(self, ref: str) -> Check:
        if not ref.startswith("#/"):
            raise Unsupported(f"$ref {ref}")
        cell = self.refs.get(ref)
        if cell is None:                       # compiled once; a recursive $ref finds the cell
            cell = self.refs[ref] = []
            node: Any = self.root
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(node, dict) or part not in node:
                    raise Unsupported(f"$ref {ref} points nowhere")
                node = node[part]
            cell.append(self.schema(node))
        return lambda v: cell[0](v)

    def schema(self, s: Any) -> Check:
        if s is True:
            return lambda v: True
        if s is False:
            return lambda v: False
        if not isinstance(s, dict):
            raise Unsupported("a schema that is not a mapping")
        checks: list[Check] = []
        for key, value in s.items():
            if key in _ANNOTATIONS or key.startswith("x-") or key in ("then", "else"):
                continue
            make = getattr(self, "k_" + key.replace("$", "_"), None)
            if make is None:
                raise Unsupported(f"keyword {key}")
            checks.append(make(value, s))
        if not checks:
            return lambda v: True
        if len(checks) == 1:
            return checks[0]
        return lambda v: all(c(v) for c in checks)

    # ---- keywords: each checks only the kind of value it applies to, as in JSON Schema ----
    def k_type(self, want, _s) -> Check:
        names = [want] if isinstance(want, str) else list(want)
        if any(n not in _TYPES for n in names):
            raise Unsupported(f"type {want}")
        tests = [_TYPES[n] for n in names]
        return tests[0] if len(tests) == 1 else (lambda v: any(t(v) for t in tests))

    def k_enum(self, options, _s) -> Check:
        return _member(list(options))

    def k_const(self, value, _s) -> Check:
        return _member([value])

    def k_pattern(self, pattern, _s) -> Check:
        import re
        rx = re.compile(pattern)
        return lambda v: not isinstance(v, str) or rx.search(v) is not None

    def k_maxLength(self, n, _s) -> Check:
        return lambda v: not isinstance(v, str) or len(v) <= n

    def k_minLength(self, n, _s) -> Check:
        return lambda v: not isinstance(v, str) or len(v) >= n

    def k_minimum(self, n, _s) -> Check:
        return lambda v: not _number(v) or v >= n

    def k_maximum(self, n, _s) -> Check:
        return lambda v: not _number(v) or v <= n

    def k_minItems(self, n, _s) -> Check:
        return lambda v: not isinstance(v, list) or len(v) >= n

    def k_maxItems(self, n, _s) -> Check:
        return lambda v: not isinstance(v, list) or len(v) <= n

    def k_uniqueItems(self, flag, _s) -> Check:
        if not flag:
            return lambda v: True
        return lambda v: not isinstance(v, list) or _unique(v)

    def k_items(self, sub, _s) -> Check:
        item = self.schema(sub)
        return lambda v: not isinstance(v, list) or all(item(i) for i in v)

    def k_minProperties(self, n, _s) -> Check:
        return lambda v: not isinstance(v, dict) or len(v) >= n

    def k_maxProperties(self, n, _s) -> Check:
        return lambda v: not isinstance(v, dict) or len(v) <= n

    def k_required(self, keys, _s) -> Check:
        keys = list(keys)
        return lambda v: not isinstance(v, dict) or all(k in v for k in keys)

    def k_properties(self, props, _s) -> Check:
        compiled = [(k, self.schema(sub)) for k, sub in props.items()]
        return lambda v: not isinstance(v, dict) or all(c(v[k]) for k, c in compiled if k in v)

    def k_additionalProperties(self, sub, s) -> Check:
        if "patternProperties" in s:
            raise Unsupported("patternProperties")
        known = frozenset(s.get("properties", {}))
        if sub is False:
            return lambda v: not isinstance(v, dict) or all(k in known for k in v)
        extra = self.schema(sub)
        return lambda v: not isinstance(v, dict) or all(extra(x) for k, x in v.items()
                                                        if k not in known)

    def k_anyOf(self, subs, _s) -> Check:
        branches = [self.schema(b) for b in subs]
        return lambda v: any(b(v) for b in branches)

    def k_oneOf(self, subs, _s) -> Check:
        branches = [self.schema(b) for b in subs]
        return lambda v: sum(1 for b in branches if b(v)) == 1

    def k_allOf(self, subs, _s) -> Check:
        branches = [self.schema(b) for b in subs]
        return lambda v: all(b(v) for b in branches)

    def k_not(self, sub, _s) -> Check:
        inner = self.schema(sub)
        return lambda v: not inner(v)

    def k_if(self, sub, s) -> Check:
        cond = self.schema(sub)
        then = self.schema(s["then"]) if "then" in s else None
        other = self.schema(s["else"]) if "else" in s else None
        def check(v: Any) -> bool:
            branch = then if cond(v) else other
            return branch is None or branch(v)
        return check

    def k__ref(self, ref, _s) -> Check:
        return self.ref(ref)

    def k_format(self, name, _s) -> Check:
        test = self.formats.get(name)
        if test is None:
            raise Unsupported(f"format {name}")

        def check(v: Any) -> bool:
            try:
                return bool(test(v))
            except Exception:          # noqa: BLE001 -- jsonschema decides (and explains) it
                return False
        return check


def compile_schema(schema: dict, formats: dict[str, Callable[[Any], bool]]) -> Check | None:
    """A function telling whether a document is valid against `schema`, or None when the schema
    uses something not compiled here (then only jsonschema can say). `formats` maps a format
    name to the same checker jsonschema is given (true: valid; false or ValueError: not)."""
    try:
        return _Compiler(schema, formats).schema(schema)
    except Unsupported:
        return None
