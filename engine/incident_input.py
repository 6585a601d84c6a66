"""Read an incident as a person writes it, into the one form the engine reads.

Runs on every incident before its schema check (schemas.validate_doc calls `normalise`), so a
file given to assess, a fixture's incident, a validated example and an interview's answers are all
read the same way:

- a value may be written as its code or as its Japanese or English label (`items: [マイナンバー]`
  is `my_number`): the labels, the parts of a label in brackets or after ／ and the aliases come
  from the incident schema (x-enum-labels, x-enum-aliases), never from this module; a label that
  fits two values is refused with both named;
- a wrong value gets a suggestion that also looks at words and labels (`pension_no` ->
  basic_pension_number), and a date written another way gets the ISO form to write;
- はい/いいえ for true/false, 不明 for unknown, one value where a list is expected;
- `event.status` may give one status per kind of event ({damage: occurred, leak: suspected});
  the facts the rules read are derived from it (`x-derived-from` in the schema);
- `response.taken` entries may carry the day they were done ({action: ppc_report, on: …});
- a request file may name the incident it is about (`incident.refers_to`) instead of restating it.

Nothing here knows what any fact means in law.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from .errors import InputError, InputErrors, quote
from .yamlio import Doc

_BOOL_WORDS = {"はい": True, "いいえ": False, "yes": True, "no": False, "あり": True, "なし": False,
               "有": True, "無": False, "true": True, "false": False}
_UNKNOWN_WORDS = {"unknown", "不明", "わからない", "分からない", "未定"}
_SPLIT = re.compile(r"[（）()／/]")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _key(text: str) -> str:
    """How two spellings are compared: width, case and spaces do not count."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).casefold()


@dataclass
class Lexicon:
    """The words that name each value of one fact."""
    fact: str
    kind: str
    values: tuple
    labels: dict                        # code -> {ja, en}
    words: dict = field(default_factory=dict)     # key(word) -> set of codes
    derived_from: str | None = None
    # fills `words` when first needed: a value written as its code never needs them
    pending: Callable[[Lexicon], None] | None = field(default=None, repr=False, compare=False)

    def add(self, code: str, words) -> None:
        for w in words:
            self.words.setdefault(_key(w), set()).add(code)

    def word_map(self) -> dict:
        if self.pending is not None:
            fill, self.pending = self.pending, None
            fill(self)
        return self.words

    def lookup(self, word: str) -> set:
        return self.word_map().get(_key(word), set())

    def shown(self, code: str, lang: str = "ja") -> str:
        lab = self.labels.get(code, {}).get(lang)
        return f"{code}（{lab}）" if lab and lang == "ja" else (f"{code} ({lab})" if lab else code)


class _Lexicons(Mapping):
    """fact name -> Lexicon, each built when first asked for: an incident names a few of the
    schema's facts, and building all of them was 4 ms of every cold `appi-kb assess`."""

    def __init__(self) -> None:
        from .vocabulary import vocabulary
        self._facts = {name: fdef for name, fdef in vocabulary().facts.items()
                       if fdef.kind in ("enum", "set", "bool")}
        self._built: dict[str, Lexicon] = {}

    def __getitem__(self, name: str) -> Lexicon:
        lex = self._built.get(name)
        if lex is None:
            lex = self._built[name] = _lexicon(self._facts[name])
        return lex

    def __iter__(self):
        return iter(self._facts)

    def __len__(self) -> int:
        return len(self._facts)


@lru_cache(maxsize=None)
def lexicons() -> Mapping[str, Lexicon]:
    """fact name -> Lexicon, for every enum, set and bool fact of the incident schema."""
    return _Lexicons()


def _lexicon(fdef) -> Lexicon:
    from .schemas import load_schema
    sec, key = fdef.path
    leaf = load_schema("incident")["properties"][sec]["properties"][key]

    def fill(lex: Lexicon) -> None:
        for code in fdef.values:
            if isinstance(code, bool):
                continue
            words = {code}
            for lang in ("ja", "en"):
                label = lex.labels.get(code, {}).get(lang)
                if label:
                    words.add(label)
                    words.update(p.strip() for p in _SPLIT.split(label) if len(p.strip()) >= 2)
            words.update(leaf.get("x-enum-aliases", {}).get(code, []))
            lex.add(code, words)
    return Lexicon(fdef.name, fdef.kind, fdef.values, dict(fdef.value_labels),
                   derived_from=(_as_list(leaf.get("x-derived-from")) or [None])[0], pending=fill)


# ---- suggestions ------------------------------------------------------------------------------
def _tokens(text: str) -> set[str]:
    return {t for t in re.split(r"[_\s\-./]+", _key(text)) if len(t) >= 3}


def _near(a: str, b: str) -> bool:
    """One word inside the other, and not much longer (pension / pensions, not a 2,000-letter word)."""
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 4 and short in long_ and len(long_) <= 2 * len(short) + 4


def suggest(word: str, lex: Lexicon) -> list[str]:
    """The values `word` most likely means (best first), from codes, words and labels."""
    if not isinstance(word, str) or not word.strip():
        return []
    codes = [c for c in lex.values if not isinstance(c, bool)]
    k = _key(word)
    # 1. a label containing the word, or a word containing a label (Japanese has no spaces)
    inside = sorted({c for w, cs in lex.word_map().items() for c in cs
                     if len(k) >= 2 and len(w) >= 2 and (k in w or (w in k and len(k) <= 2 * len(w) + 4))},
                    key=codes.index)
    if inside and len(inside) <= 3:
        return inside
    # 2. shared words: pension_no -> basic_pension_number (before spelling, which says 'dispensing')
    mine = _tokens(word)
    scored = []
    for c in codes:
        theirs = _tokens(c) | {t for lab in lex.labels.get(c, {}).values() for t in _tokens(lab)}
        common = sum(1 for t in mine if any(t == u or _near(t, u) for u in theirs))
        if common:
            scored.append((-common, codes.index(c), c))
    if scored:
        best = min(s[0] for s in scored)
        return [c for s, _, c in sorted(scored) if s == best][:3]
    # 3. spelling
    import difflib
    close = difflib.get_close_matches(k, list(lex.word_map()), n=3, cutoff=0.6)
    out: list[str] = []
    for w in close:
        for c in sorted(lex.word_map()[w], key=codes.index):
            if c not in out:
                out.append(c)
    return out[:3]


def _hint(word: Any, lex: Lexicon) -> str:
    guesses = suggest(word, lex) if isinstance(word, str) else []
    if guesses:
        labels = "; ".join(f"{g}: {lex.labels[g]['ja']}" for g in guesses if g in lex.labels)
        return ("did you mean " + " or ".join(f"'{g}'" for g in guesses) + "?"
                + (f" ({labels})" if labels else ""))
    codes = [c for c in lex.values if not isinstance(c, bool)]
    shown = ", ".join(lex.shown(c) for c in codes[:12])
    more = f", … ({len(codes) - 12} more in schemas/incident.schema.json)" if len(codes) > 12 else ""
    return f"use one of: {shown}{more} (a code or its Japanese label)"


def _q(value: Any) -> str:
    """A value quoted in a message: at most EXCERPT characters of it (engine.errors.quote)."""
    return quote(value) if isinstance(value, str) else repr(value)


# ---- the pass ---------------------------------------------------------------------------------
def normalise(doc: Doc) -> None:
    """Rewrite `doc.data` in place into canonical codes; raise every problem found at once."""
    if getattr(doc, "_normalised", False) or not isinstance(doc.data, dict):
        return
    errors: list[InputError] = []
    _refer(doc, errors)
    _status(doc, errors)
    _taken(doc, errors)
    lex = lexicons()
    from .vocabulary import vocabulary
    for name, fdef in vocabulary().facts.items():
        if fdef.kind in ("series", "possible"):
            continue
        sec, key = fdef.path
        section = doc.data.get(sec)
        if not isinstance(section, dict) or key not in section:
            continue
        path = (sec, key)
        value = section[key]
        if isinstance(value, str) and _key(value) in {_key(w) for w in _UNKNOWN_WORDS}:
            section[key] = "unknown"
            continue
        if fdef.kind in ("enum", "set", "bool") and name in lex:
            section[key] = _value(doc, path, value, lex[name], errors)
        elif fdef.kind == "date":
            _date(doc, path, value, errors)
        elif fdef.kind in ("quantity", "number"):
            section[key] = _number(doc, path, value, errors)
    _history_dates(doc, errors)
    errors = list({str(e): e for e in errors}.values())   # a value read twice is one problem
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    doc._normalised = True            # type: ignore[attr-defined]  (idempotent: read once)


def _value(doc: Doc, path: tuple, value: Any, lex: Lexicon, errors: list) -> Any:
    if lex.kind == "bool":
        if isinstance(value, str) and _key(value) in _BOOL_WORDS:
            return _BOOL_WORDS[_key(value)]
        return value
    if lex.kind == "set":
        if value == "unknown" or isinstance(value, dict):
            return value
        items = value if isinstance(value, list) else [value]
        out = []
        for i, item in enumerate(items):
            ipath = path + (i,) if isinstance(value, list) else path
            code = _code(doc, ipath, item, lex, errors)
            if code not in out:
                out.append(code)
        return out
    return _code(doc, path, value, lex, errors)


def _code(doc: Doc, path: tuple, word: Any, lex: Lexicon, errors: list) -> Any:
    if not isinstance(word, str) or word in lex.values:
        return word                   # a wrong type is the schema's to explain
    found = lex.lookup(word)
    if len(found) == 1:
        return next(iter(found))
    where = ".".join(str(p) for p in path[:2]) + "".join(f"[{p}]" for p in path[2:])
    if found:
        both = " or ".join(f"'{lex.shown(c)}'" for c in sorted(found))
        errors.append(doc.error(path, f"{where}: {_q(word)} could mean {both}",
                                "write the code of the one you mean", kind="value"))
    else:
        errors.append(doc.error(path, f"{where}: {_q(word)} is not an allowed value",
                                _hint(word, lex), kind="value"))
    return word


def _date(doc: Doc, path: tuple, value: Any, errors: list) -> None:
    if not isinstance(value, str) or value == "unknown" or _ISO.match(value):
        return                        # a real-date check on ISO text is the schema's
    where = ".".join(str(p) for p in path)
    from . import dateforms          # (only for a date not written YYYY-MM-DD)
    how = dateforms.explain(value)
    if how and how.startswith("write "):
        errors.append(doc.error(path, f"{where}: {_q(value)} is not written as YYYY-MM-DD",
                                how, kind="date"))
    else:
        errors.append(doc.error(path, f"{where}: {_q(value)} is not a date",
                                (how + "; " if how else "") + "write the date as YYYY-MM-DD, e.g. 2024-04-01, or 'unknown'",
                                kind="date"))


def _number(doc: Doc, path: tuple, value: Any, errors: list) -> Any:
    """'500人' or '1,200' is a number written for people: say which number to write."""
    if not isinstance(value, str) or value == "unknown":
        return value
    digits = unicodedata.normalize("NFKC", value).replace(",", "").replace("人", "").replace("名", "").strip()
    where = ".".join(str(p) for p in path)
    if digits.isdigit():
        errors.append(doc.error(path, f"{where}: {_q(value)} is text, not a number",
                                f"write {int(digits)}", kind="type"))
    return value


def _history_dates(doc: Doc, errors: list) -> None:
    number = (doc.data.get("affected") or {}).get("number") if isinstance(doc.data.get("affected"), dict) else None
    if isinstance(number, dict) and isinstance(number.get("history"), list):
        for i, h in enumerate(number["history"]):
            if isinstance(h, dict) and "date" in h:
                _date(doc, ("affected", "number", "history", i, "date"), h["date"], errors)


@lru_cache(maxsize=None)
def _derived_keys(section: str, source: str) -> tuple:
    """The keys of `section` the schema marks as derived from `source` (x-derived-from)."""
    from .schemas import load_schema
    props = load_schema("incident")["properties"][section]["properties"]
    return tuple(k for k, v in props.items() if source in _as_list(v.get("x-derived-from")))


def _as_list(value) -> list:
    return value if isinstance(value, list) else ([value] if value else [])


# ---- event.status: one value, or one per kind ---------------------------------------------------
def _status(doc: Doc, errors: list) -> None:
    event = doc.data.get("event")
    if not isinstance(event, dict):
        return
    lex = lexicons()
    st_lex, kind_lex = lex["event.status"], lex["event.kinds"]
    derived = _derived_keys("event", "event.status")
    for key in derived:
        if key in event:
            errors.append(doc.error(("event", key), f"event.{key} is derived from event.status",
                                    "leave it out and write event.status, one value or one per kind: "
                                    "{damage: occurred, leak: suspected}", kind="schema"))
    if errors:
        return
    raw = event.get("status", "unknown")
    if isinstance(raw, str) and _key(raw) in {_key(w) for w in _UNKNOWN_WORDS}:
        raw = "unknown"
    kinds = event.get("kinds", "unknown")
    if isinstance(kinds, (str, list)) and kinds != "unknown":
        kinds = _value(doc, ("event", "kinds"), kinds, kind_lex, errors)
        event["kinds"] = kinds
    by_kind: dict[str, str] | None = None
    if isinstance(raw, dict):
        by_kind = {}
        for k, s in raw.items():
            kc = _code(doc, ("event", "status", k), k, kind_lex, errors)
            sc = "unknown" if isinstance(s, str) and _key(s) in {_key(w) for w in _UNKNOWN_WORDS} \
                else _code(doc, ("event", "status", k), s, st_lex, errors)
            by_kind[kc] = sc
        if errors:
            return
        if kinds == "unknown" or "kinds" not in event:
            kinds = sorted(by_kind)
            event["kinds"] = kinds
        elif isinstance(kinds, list):
            extra = sorted(set(by_kind) - set(kinds))
            if extra:
                errors.append(doc.error(("event", "status"), f"event.status gives a status for "
                                        f"{', '.join(extra)}, which event.kinds does not list",
                                        "add it to kinds, or remove it from status", kind="value"))
                return
            for k in kinds:
                by_kind.setdefault(k, "unknown")
        statuses = set(by_kind.values())
        event["status"] = "unknown" if "unknown" in statuses else sorted(statuses)
    elif isinstance(raw, list):
        codes = _value(doc, ("event", "status"), raw, st_lex, errors)
        if len(codes) > 1 and not errors:
            errors.append(doc.error(("event", "status"), "event.status lists several statuses "
                                    "without saying which kind of event has which",
                                    "give one per kind, e.g. status: {damage: occurred, leak: suspected}",
                                    kind="value"))
            return
        event["status"] = codes
    elif raw != "unknown":
        code = _code(doc, ("event", "status"), raw, st_lex, errors)
        event["status"] = [code]
    if errors:
        return
    status = event.get("status", "unknown")
    if isinstance(status, list) and not status:
        return                                    # an empty list says nothing: the schema refuses it
    all_kinds = list(kind_lex.values)
    if by_kind is None:
        if isinstance(status, list):
            if not isinstance(kinds, list):        # the status is known, the kinds are not
                by_kind = {k: status[0] + "?" for k in all_kinds}
            else:
                by_kind = {k: status[0] for k in kinds}
        elif isinstance(kinds, list):              # the kinds are known, their status is not
            by_kind = {k: "unknown" for k in kinds}
        else:
            return                                 # neither: the derived facts stay unknown
    # per kind: its status, 'unknown', or 'X?' (status X if this kind is among the unknown kinds)
    for key, want in (("occurred_kinds", "occurred"), ("suspected_kinds", "suspected")):
        if key not in derived:
            continue
        certain = sorted(k for k, s in by_kind.items() if s == want)
        maybe = sorted(k for k, s in by_kind.items() if s in ("unknown", want + "?"))
        event[key] = certain
        if maybe and key + "_possible" in derived:
            event[key + "_possible"] = maybe


# ---- response.taken: dated entries ------------------------------------------------------------
def _taken(doc: Doc, errors: list) -> None:
    response = doc.data.get("response")
    if not isinstance(response, dict) or not isinstance(response.get("taken"), list):
        return
    if any(isinstance(e, dict) for e in response["taken"]) and "taken_on" in response:
        errors.append(doc.error(("response", "taken_on"), "response.taken_on is filled from the "
                                "dated entries of response.taken", "write the dates in one place: "
                                "taken: [{action: ppc_report, on: 2024-04-02}]", kind="schema"))
        return
    lex = lexicons()["response.taken"]
    codes, dated = [], dict(response.get("taken_on") or {})
    for i, entry in enumerate(response["taken"]):
        if isinstance(entry, dict):
            unknown_keys = sorted(set(entry) - {"action", "on", "note"})
            if unknown_keys or "action" not in entry:
                errors.append(doc.error(("response", "taken", i), "a dated entry is written "
                                        "{action: CODE, on: YYYY-MM-DD}" +
                                        (f" (unknown key '{unknown_keys[0]}')" if unknown_keys else ""),
                                        "e.g. {action: ppc_report, on: 2024-04-02}", kind="schema"))
                continue
            code = _code(doc, ("response", "taken", i, "action"), entry["action"], lex, errors)
            if "on" in entry:
                _date(doc, ("response", "taken", i, "on"), entry["on"], errors)
                if code in dated and dated[code] != entry["on"]:
                    errors.append(doc.error(("response", "taken", i), f"'{code}' is dated twice",
                                            "keep one entry per measure (the day it was done)",
                                            kind="duplicate"))
                dated[code] = entry["on"]
        else:
            code = _code(doc, ("response", "taken", i), entry, lex, errors)
        if code not in codes:
            codes.append(code)
    response["taken"] = codes
    if dated:
        response["taken_on"] = dated
        for i, code in enumerate(sorted(dated)):
            doc.lines.setdefault(("response", "taken_on", code), doc.line_of(("response", "taken")) or 0)


# ---- a request file that refers to an incident ------------------------------------------------
def _refer(doc: Doc, errors: list) -> None:
    meta = doc.data.get("incident")
    ref = meta.get("refers_to") if isinstance(meta, dict) else None
    if not isinstance(ref, str):
        return
    from .paths import PROJECT_ROOT, display
    from .yamlio import load_yaml
    here = Path(doc.path)
    base = here.parent if here.is_absolute() or here.exists() else (PROJECT_ROOT / here).parent
    target = (base / ref)
    where = ("incident", "refers_to")
    if not target.is_file():
        errors.append(doc.error(where, f"incident.refers_to: {_q(ref)} is not a file",
                                f"give the incident file's path relative to {doc.path}", kind="missing"))
        return
    try:
        other = load_yaml(target, display(target))
        import copy
        raw = copy.deepcopy(other.data)   # merged as written: this file is then read as a whole
        from .schemas import validate_doc
        validate_doc(other, "incident")
    except InputError as exc:
        errors.extend(exc.errors if isinstance(exc, InputErrors) else [exc])
        return
    if isinstance((other.data.get("incident") or {}).get("refers_to"), str):
        errors.append(doc.error(where, f"{other.path} itself refers to another file",
                                "refer to the incident file that states the facts", kind="value"))
        return
    line = doc.line_of(where)
    for sec, part in raw.items():
        if sec in ("$schema", "incident", "request") or not isinstance(part, dict):
            continue
        mine = doc.data.setdefault(sec, {})
        if not isinstance(mine, dict):
            continue
        for key, value in part.items():
            if key in mine and mine[key] != value:
                errors.append(doc.error((sec, key), f"{sec}.{key} differs from {other.path} "
                                        "(the incident this request refers to)",
                                        "state it in one file only", kind="value"))
                continue
            mine[key] = value
            doc.lines.setdefault((sec, key), line or 0)
    doc.refers_to = other.path        # type: ignore[attr-defined]
