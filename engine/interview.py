"""The interview: build an incident file by answering only the questions that decide something.

Each round assesses what is known so far, takes the questions of the conclusions still open (the
assessment's own list: facts whose answer a displayed conclusion waits on) and asks first the one
that settles the most of them — measured, not guessed: every candidate answer of the leading
questions is assessed and the open conclusions it would settle are counted (the mean over the
answers; ties by the fewest it could leave open, then the schema's order). Candidate answers come
from the vocabulary (an enum's values, true/false, each member of a list or none) and, for a
number, from the values the rules compare it with (read from the compiled conditions): nothing here
knows any law.

Answers are read as a person writes them (labels in Japanese, 2025/12/26, 令和7年…, はい/いいえ,
1,200人, 最大1200); 「わからない」 leaves a fact unknown and it is not asked again. The state is
a YAML file (the facts so far and what was left unknown), so an interview can stop and resume; the
incident file it writes is validated like any other.
"""
from __future__ import annotations

import copy
import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable

from . import dateforms
from .errors import InputError
from .incident_input import _key, lexicons
from .vocabulary import vocabulary
from .yamlio import Doc
from .document import expand

LEAD = 6                      # questions whose answers are assessed each round (the rest wait)
UNKNOWN_WORDS = {"?", "？", "わからない", "分からない", "不明", "unknown", "skip"}
STOP_WORDS = {"q", "quit", "stop", "中断", "終了"}
OPEN = ("undetermined",)



@dataclass
class State:
    data: dict = field(default_factory=dict)        # the incident so far
    unknown: list = field(default_factory=list)     # facts answered 'unknown' (not asked again)

    def as_yaml(self) -> dict:
        return {"interview": {"unknown": sorted(self.unknown)}, "incident_data": self.data}

    @classmethod
    def from_yaml(cls, d: dict) -> "State":
        return cls(copy.deepcopy(d.get("incident_data") or {}),
                   list((d.get("interview") or {}).get("unknown") or []))


@dataclass
class Question:
    fact: str
    kind: str
    label: dict
    text: dict
    options: list                 # (code, label) for enum / set / bool
    score: float = 0.0


# ---- documents -----------------------------------------------------------------------------------
def document(data: dict, name: str = "<interview>") -> Doc:
    from .schemas import validate_doc
    doc = Doc(name, copy.deepcopy(data), {})
    validate_doc(doc, "incident")
    return doc


def set_fact(data: dict, fact: str, value: Any) -> None:
    sec, key = fact.split(".", 1)
    data.setdefault(sec, {})[key] = value


def _per_kind() -> set[str]:
    """Facts other facts are derived from (x-derived-from): event.status, given one per kind."""
    return {f.derived_from[0] for f in vocabulary().facts.values() if f.derived_from}


# ---- reading an answer ---------------------------------------------------------------------------
def parse_answer(q: Question, raw: str) -> Any:
    """The value of a typed answer, or InputError saying what to write."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if _key(text) in {_key(w) for w in UNKNOWN_WORDS}:
        return "unknown"
    lex = lexicons().get(q.fact)
    if "=" in text and q.fact in _per_kind():            # one status per kind: 毀損=発生, 漏えい=おそれ
        return {k.strip(): v.strip() for k, v in (p.split("=", 1) for p in re.split(r"[,、，]", text) if "=" in p)}
    if q.kind == "bool":
        words = {"はい": True, "yes": True, "y": True, "true": True, "1": True,
                 "いいえ": False, "no": False, "n": False, "false": False, "2": False}
        if _key(text) in words:
            return words[_key(text)]
        raise InputError("answer はい or いいえ (yes / no), or わからない")
    if q.kind == "enum":
        return _one(text, q, lex)
    if q.kind == "set":
        if _key(text) in {"なし", "none", "ない", "0"}:
            return []
        return [_one(part, q, lex) for part in re.split(r"[,、，/／\s]+", text) if part]
    if q.kind in ("quantity", "number"):
        m = re.match(r"^(最大|<=|≦|at most)?\s*([0-9][0-9,]*)\s*(人|名)?$", text)
        if not m:
            raise InputError("write a number, e.g. 500, or 最大1200 when only the upper bound is known")
        n = int(m.group(2).replace(",", ""))
        return {"at_most": n} if m.group(1) else n
    if q.kind == "date":
        try:
            return dateforms.parse(text).isoformat()
        except dateforms.DateFormError as exc:
            raise InputError(str(exc)) from None
    return raw.strip()


def _one(word: str, q: Question, lex) -> str:
    if word.isdigit() and 1 <= int(word) <= len(q.options):
        return q.options[int(word) - 1][0]
    if lex is not None:
        found = lex.lookup(word)
        if len(found) == 1:
            return next(iter(found))
        if word in lex.values:
            return word
    from .incident_input import suggest
    guesses = suggest(word, lex) if lex is not None else []
    raise InputError(f"'{word[:80]}' is not one of the choices",
                     hint=("did you mean " + " or ".join(f"'{g}'" for g in guesses) + "?") if guesses
                     else "answer with a number from the list, a code or its Japanese label")


# ---- choosing the next question -------------------------------------------------------------------
class Interviewer:
    def __init__(self, engine, as_of: _dt.date | None = None) -> None:
        self.engine = engine
        self.as_of = as_of
        self.vocab = vocabulary()
        self._order = {name: i for i, name in enumerate(self.vocab.facts)}
        self._numbers = self._compared_numbers()

    def _compared_numbers(self) -> dict[str, list]:
        """fact -> the numbers rules compare it with (so candidate answers fall on both sides)."""
        from .conditions import literals
        out: dict[str, set] = {}
        day = self.as_of or _dt.date.today()
        try:
            ckb, _ = self.engine.compiled(day)
        except Exception:          # noqa: BLE001 -- no rules in force: no thresholds to probe
            return {}
        for cr in ckb.rules.values():
            node = cr.tree
            if node is None:
                continue
            for lit in literals(node):
                if lit.kind == "fact" and isinstance(lit.value, (int, float)) and not isinstance(lit.value, bool):
                    out.setdefault(lit.name, set()).add(lit.value)
        return {k: sorted(v) for k, v in out.items()}

    def assess(self, data: dict) -> dict | None:
        try:
            doc = document(data)
            return self.engine.assess(doc, self.as_of)
        except InputError:
            return None

    def open_codes(self, a: dict) -> set[str]:
        """Conclusions still open that a reader could be shown once decided (findings shown only
        when they hold are open too: the answer may establish them)."""
        return {c["code"] for c in a["conclusions"] if c["status"] in OPEN and c["show"] != "never"
                and not self._hidden_section(a, c)}

    @staticmethod
    def _hidden_section(a: dict, c: dict) -> bool:
        return c["show"] == "always" and not c["displayed"]      # a section this input is not about

    def first_date(self) -> str | None:
        return self.engine.kb.as_of_facts[0] if self.engine.kb.as_of_facts else None

    def question(self, fact: str) -> Question:
        fdef = self.vocab.get(fact)
        options = []
        kind = fdef.kind
        if kind == "set" and any(fact in (f.derived_from or ()) for f in self.vocab.facts.values()):
            kind = "enum"            # event.status: one value (or one per kind: 毀損=発生, 漏えい=おそれ)
        if fdef.kind in ("enum", "set"):
            options = [(v, fdef.value_labels.get(v, {"ja": v, "en": v})) for v in fdef.values]
        elif fdef.kind == "bool":
            options = [(True, {"ja": "はい", "en": "yes"}), (False, {"ja": "いいえ", "en": "no"})]
        text = fdef.question or {"ja": fdef.label["ja"] + "は？", "en": fdef.label["en"] + "?"}
        return Question(fact, kind, fdef.label, text, options)

    def candidates(self, q: Question, data: dict) -> list:
        if q.kind in ("enum", "bool"):
            return [v for v, _ in q.options]
        if q.kind == "set":
            return [[]] + [[v] for v, _ in q.options]
        if q.kind in ("quantity", "number"):
            marks = self._numbers.get(q.fact, []) + self._numbers.get(q.fact + "_max", [])
            return sorted({max(0, int(m) + d) for m in marks for d in (0, 1)}) or [0, 1]
        return []

    def next_question(self, state: State) -> tuple[Question | None, dict | None]:
        """The most decisive open question (None when nothing is left to ask) and the assessment."""
        data = state.data
        if self.as_of is None and not any(self._known(data, f) for f in self.engine.kb.as_of_facts):
            first = self.first_date()
            return (self.question(first) if first else None), None
        a = self.assess(data)
        if a is None:
            return None, None
        opened = self.open_codes(a)
        weight: dict[str, int] = {}
        for c in a["conclusions"]:
            if c["code"] in opened:
                for q in c["questions"]:
                    fdef = self.vocab.get(q["fact"])
                    # an upper bound (affected.number_max) is asked as the number it comes from
                    fact = ".".join(fdef.path) if fdef is not None and fdef.path else q["fact"]
                    weight[fact] = weight.get(fact, 0) + 1
        asked = [f for f in weight if f not in state.unknown and not self._known(data, f)
                 and self.vocab.get(f) is not None]
        if not asked:
            return None, a
        lead = sorted(asked, key=lambda f: (-weight.get(f, 0), self._order.get(f, 0)))[:LEAD]
        best, best_key = None, None
        for fact in lead:
            q = self.question(fact)
            settled = []
            for value in self.candidates(q, data):
                trial = copy.deepcopy(data)
                set_fact(trial, fact, value)
                b = self.assess(trial)
                if b is not None:
                    settled.append(len(opened - self.open_codes(b)))
            if not settled:                 # dates, texts: no answer to try; keep the schema's order
                settled = [0]
            q.score = sum(settled) / len(settled)
            key = (-q.score, -min(settled), -weight.get(fact, 0), self._order.get(fact, 0))
            if best_key is None or key < best_key:
                best, best_key = q, key
        return best, a

    @staticmethod
    def _known(data: dict, fact: str) -> bool:
        sec, key = fact.split(".", 1)
        v = (data.get(sec) or {}).get(key, "unknown")
        return v != "unknown"


# ---- the conversation ----------------------------------------------------------------------------
def decision_lines(a: dict, lang: str = "ja") -> list[str]:
    words = {"ja": {"established": "あり", "not_established": "なし", "excluded": "なし（例外）",
                    "undetermined": "未確定", "needs_review": "要検討"},
             "en": {"established": "yes", "not_established": "no", "excluded": "no (exception)",
                    "undetermined": "not yet decided", "needs_review": "needs review"}}[lang]
    a = expand(a)
    out = []
    for c in a["conclusions"]:
        if c["headline"] and c["displayed"]:
            keys = sorted({cit["key" if lang == "ja" else "key_en"] for r in c["rules"]
                           if r["status"] == "holds" for cit in r["citations"]})
            out.append(f"{c['label'][lang]}：{words.get(c['status'], c['status'])}"
                       + (f"（{'、'.join(keys)}）" if keys and c["status"] != "undetermined" else ""))
    return out


def run(interviewer: Interviewer, state: State, ask: Callable[[Question, int], str],
        say: Callable[[str], None], save: Callable[[State], None], lang: str = "ja") -> bool:
    """Ask until nothing decisive is left (True) or the person stops (False); `save` after each answer."""
    shown: dict[str, str] = {}
    n = 0
    while True:
        q, a = interviewer.next_question(state)
        if a is not None:
            for line in decision_lines(a, lang):
                name = line.split("：", 1)[0]
                if shown.get(name) != line and "未確定" not in line and "not yet decided" not in line:
                    say(("判定 " if lang == "ja" else "decided: ") + line)
                shown[name] = line
        if q is None:
            return True
        n += 1
        failures = 0
        while True:
            raw = ask(q, n)
            if raw is None or _key(raw) in STOP_WORDS:
                save(state)
                return False
            try:
                value = parse_answer(q, raw)
                if value == "unknown":
                    state.unknown.append(q.fact)
                    break
                trial = copy.deepcopy(state.data)
                set_fact(trial, q.fact, value)
                document(trial)                  # labels, dates, types: as any incident file
                state.data = trial
                break
            except InputError as exc:
                say(f"  → {exc.message}" + (f" — {exc.hint}" if exc.hint else ""))
                failures += 1
                if failures >= 5:                 # a script that cannot answer must not loop
                    state.unknown.append(q.fact)
                    break
        save(state)
