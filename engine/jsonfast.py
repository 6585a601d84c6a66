"""`json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=2)` and its compact canonical form
(`separators=(",", ":")`), byte for byte, fast.

orjson writes both forms byte for byte as json does for the values an assessment holds (str,
int within 64 bits, bool, None, list, tuple, dict with str keys, finite float), ten times faster
than json's C encoder and thirty times faster than its indenting one. Where orjson refuses a value
json accepts (an integer past 64 bits, a non-string key, a lone surrogate) the text is written by
the pure-Python encoders below, which reproduce json exactly; those are also the path when a
relocating transform or shared, remembered parts are involved (the output hash, engine/receipt.py).
NaN and infinities, which json writes as NaN/Infinity and orjson as null, cannot occur: no schema
of ours admits a number that is not an integer (tests/test_jsonfast.py checks that too).
"""
from __future__ import annotations

import json
from json.encoder import encode_basestring as _encode_str

import orjson

_ORJSON_INDENTED = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2


def compact_bytes(obj) -> bytes:
    """json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")), as UTF-8
    (what a hash reads and a JSON Lines record is)."""
    try:
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, TypeError):
        return dumps_canonical(obj).encode("utf-8", "surrogatepass")


_Fragment = getattr(orjson, "Fragment", None)     # orjson >= 3.9: text copied in as it is


def compact_list(items: list, texts: list) -> bytes:
    """compact_bytes(items), where texts[i], unless None, is compact_bytes(items[i]) already
    written (an entry shared by many documents): orjson copies it in as it is."""
    try:
        return orjson.dumps([item if text is None else _Fragment(text)
                             for item, text in zip(items, texts)], option=orjson.OPT_SORT_KEYS)
    except (orjson.JSONEncodeError, TypeError):     # (TypeError too: an orjson without Fragment)
        return b"[" + b",".join(compact_bytes(item) if text is None else text
                                for item, text in zip(items, texts)) + b"]"


_INF = float("inf")


class _Fallback(Exception):
    pass


def _scalar(o) -> str:
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    t = type(o)
    if t is int:
        return int.__repr__(o)
    if t is float:
        if o != o:
            return "NaN"
        if o == _INF:
            return "Infinity"
        if o == -_INF:
            return "-Infinity"
        return float.__repr__(o)
    raise _Fallback


def dumps_indented(obj) -> str:
    try:
        return orjson.dumps(obj, option=_ORJSON_INDENTED).decode()
    except (orjson.JSONEncodeError, TypeError):
        return _dumps_indented(obj)


def _dumps_indented(obj) -> str:
    out: list[str] = []
    app = out.append

    def enc(o, ind: str) -> None:
        t = type(o)
        if t is str:
            app(_encode_str(o))
        elif t is dict:
            if not o:
                app("{}")
                return
            inner = ind + "  "
            sep = ",\n" + inner
            app("{\n" + inner)
            first = True
            for k in sorted(o):
                if type(k) is not str:
                    raise _Fallback
                if not first:
                    app(sep)
                first = False
                app(_encode_str(k))
                app(": ")
                enc(o[k], inner)
            app("\n" + ind + "}")
        elif t is list or t is tuple:
            if not o:
                app("[]")
                return
            inner = ind + "  "
            sep = ",\n" + inner
            app("[\n" + inner)
            first = True
            for v in o:
                if not first:
                    app(sep)
                first = False
                enc(v, inner)
            app("\n" + ind + "]")
        else:
            app(_scalar(o))

    try:
        enc(obj, "")
    except (_Fallback, RecursionError):
        return json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=2)
    finally:
        enc = None          # a recursive closure refers to itself: break the reference cycle
    return "".join(out)


def dumps_canonical(obj, memo: dict | None = None, transform=None) -> str:
    """`json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))`, byte for byte.

    memo: id(x) -> (x, text) for objects whose text is already known (shared, never-changed parts
    of many documents), or (x, None) for one to be written once on first use and remembered; the
    object itself is kept in the entry so its id cannot be reused.
    transform: applied to every dict before it is written (returns the dict to write)."""
    out: list[str] = []
    app = out.append

    def enc(o) -> None:
        t = type(o)
        if t is str:
            app(_encode_str(o))
            return
        if t is dict or t is list or t is tuple:
            if memo:
                found = memo.get(id(o))
                if found is not None and found[0] is o:
                    text = found[1]
                    if text is None:          # known shared, written on first use
                        text = dumps_canonical(o, None, transform)
                        memo[id(o)] = (o, text)
                    app(text)
                    return
            if t is dict:
                if transform is not None:
                    o = transform(o)
                app("{")
                first = True
                for k in sorted(o):
                    if type(k) is not str:
                        raise _Fallback
                    if not first:
                        app(",")
                    first = False
                    app(_encode_str(k))
                    app(":")
                    enc(o[k])
                app("}")
            else:
                app("[")
                first = True
                for v in o:
                    if not first:
                        app(",")
                    first = False
                    enc(v)
                app("]")
            return
        app(_scalar(o))

    try:
        enc(obj)
    except (_Fallback, RecursionError):
        if transform is not None:
            raise
        return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    finally:
        enc = None          # a recursive closure refers to itself: break the reference cycle
    return "".join(out)
