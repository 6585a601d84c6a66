"""The receipt: everything needed to reproduce an assessment later, and to say why it would differ.

It names the input (a hash of the incident's content), the knowledge base (id, version, folder,
the hash of all rule files and of each one, the release lock and how the KB stands against it),
the rule and parameter versions applied, the schemas (version and hash), the engine (version and a
hash of its code) and the version of every package the result depends on — `holidays` among them,
since a deadline that rolls past a national holiday depends on its calendar — and finally a hash of
the output itself, so `appi-kb verify` can tell identical from different without the full output.

The parts that depend only on the KB and the installation are computed once per KB (`static`).
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import weakref
from functools import lru_cache
from json.encoder import encode_basestring as _encode_str
from pathlib import Path
from typing import Any

from . import __version__
from .jsonfast import compact_bytes, compact_list, dumps_canonical
from .model import KB

# The packages an assessment's content depends on (the engine, YAML reading, schema checking,
# the holiday calendar, the JSON writer). click only parses the command line.
PACKAGES = ("durable_rules", "holidays", "jsonschema", "orjson", "PyYAML")
SCHEMAS = ("rule", "incident", "assessment", "kb", "fixture")
_CODE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def packages() -> dict[str, str]:
    # from the installed packages' folder names (kbcache.library_versions): importlib.metadata
    # costs 11 ms to import on every start (issue 6.6)
    from .kbcache import library_versions
    versions = library_versions(PACKAGES)
    out = {name.lower(): versions[name] for name in PACKAGES}
    out["python"] = platform.python_version()
    return out


@lru_cache(maxsize=1)
def code_sha256() -> str:
    """The engine's own code (engine/**/*.py): the same KB under changed code may answer
    differently, and the version number alone does not show it."""
    h = hashlib.sha256()
    for path in sorted(_CODE.rglob("*.py")):
        h.update(path.relative_to(_CODE).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


@lru_cache(maxsize=1)
def schemas() -> dict[str, dict[str, str]]:
    from .paths import SCHEMAS_DIR
    from .schemas import schema_version
    out = {}
    for name in SCHEMAS:
        path = SCHEMAS_DIR / f"{name}.schema.json"
        if path.is_file():
            out[name] = {"version": schema_version(name),
                         "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    return out


def static(kb: KB) -> dict:
    """The receipt's parts that do not depend on the incident (computed once per loaded KB)."""
    cached = _STATIC.get(id(kb))
    if cached is not None and cached[0]() is kb:
        return dict(cached[1], kb_dir=where_kb(kb))
    from . import kbcache
    # kept in the KB cache too: its key covers everything this depends on (the KB's files and
    # lock, the schemas, the code and the library versions), and the lock check costs a cold start
    out = kbcache.kept(kb, "receipt.static", lambda: _static(kb))
    _STATIC[id(kb)] = (weakref.ref(kb), out)
    weakref.finalize(kb, _STATIC.pop, id(kb), None)
    return dict(out, kb_dir=where_kb(kb))


def _static(kb: KB) -> dict:
    from . import release
    state = release.check(kb)
    lock = state.lock
    out = {
        "kb_id": kb.id, "kb_version": kb.version, "rules_sha256": kb.files_hash,
        "files": dict(sorted(kb.file_hashes.items())),
        "lock": {"file": release.LOCK_NAME if lock else None, "sha256": state.lock_sha256,
                 "kb_version": lock.get("kb_version") if lock else None,
                 "status": state.status},
        "schemas": {n: v["version"] for n, v in schemas().items() if n != "fixture"},
        "schemas_sha256": {n: v["sha256"] for n, v in schemas().items()},
        "engine": {"appi_kb": __version__, "durable_rules": packages()["durable_rules"]},
        "code_sha256": code_sha256(),
        "packages": packages(),
    }
    return out


# beside the KB, not on it (the KB cache pickles KBs), and only while it lives (mutate makes
# hundreds of short-lived mutant KBs)
_STATIC: dict[int, tuple[weakref.ref, dict]] = {}


def where_kb(kb: KB) -> str | None:
    """The KB's folder as the output names it (relative to the working directory when inside)."""
    if not kb.root:
        return None
    try:
        cwd = os.getcwd()
    except OSError:                 # the working directory was removed: nothing to remember by
        from .paths import where
        return where(kb.root)
    return _where(str(kb.root), cwd)


@lru_cache(maxsize=64)
def _where(root: str, cwd: str) -> str:
    """paths.where for a folder seen from a working directory: resolving both costs ~20 system
    calls, once per (folder, directory) rather than once per assessment."""
    from .paths import where
    return where(root)


def canonical(value: Any) -> Any:
    """Keys sorted and every list sorted: an incident means the same in any key or list order
    (a dated history must be chronological anyway, so sorting cannot reorder a valid one)."""
    if isinstance(value, dict):
        return {k: canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        items = [canonical(v) for v in value]
        return sorted(items, key=_text) if len(items) > 1 else items
    return value


def _text(value: Any) -> str:
    """json.dumps(value, sort_keys=True, ensure_ascii=False): for a string that is what json's
    own encoder writes for it (encode_basestring), without building an encoder per item."""
    if type(value) is str:
        return _encode_str(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def input_sha256(data: Any) -> str:
    text = json.dumps(canonical(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def output_sha256(assessment: dict, kb_root: Path | None = None, memo: dict | None = None) -> str:
    """The assessment's content: without its receipt, the incident's file name (the same incident
    read from another folder is the same assessment) and where in the KB's files each rule is
    written (a comment added above a rule moves it, and changes nothing it says).

    The text hashed is json.dumps(sort_keys=True, ensure_ascii=False, separators=(",", ":")) of
    that content, in which the `rules` table stands as the SHA-256 (hex) of its own text, written
    the same way, with each rule's file made relative to the KB and its line left out (only the
    table says where rules are written). The table is the same for every assessment of a KB and
    day and is most of a document's bytes: hashed once per KB and day, like a tree in git, it
    still changes the output hash whenever anything in it changes. `memo` (id -> (object, its
    text or None)) names top-level parts shared by every assessment of a KB and day (the rules
    table, the labels): their text is written once, as UTF-8. All of it is written by
    engine/jsonfast.py; tests/test_jsonfast.py holds the result to the definition."""
    body = {k: v for k, v in assessment.items() if k != "receipt"}
    body["incident"] = {k: v for k, v in body["incident"].items() if k != "file"}
    relocate = relocator(kb_root)
    digest = hashlib.sha256(b"{")
    for i, key in enumerate(sorted(body)):
        value = body[key]
        found = memo.get(id(value)) if memo else None
        if found is not None and found[0] is value:
            text = found[1]
            if text is None:
                text = _shared_text(key, value, relocate)
                memo[id(value)] = (value, text)
        elif key == "rules":                # a rules table not shared (a document read back)
            text = _shared_text(key, value, relocate)
        elif memo and type(value) is list:
            text = _list_text(value, memo)
        else:
            text = compact_bytes(value)
        digest.update((("," if i else "") + _encode_str(key) + ":").encode())
        digest.update(text)
    digest.update(b"}")
    return digest.hexdigest()


def _list_text(items: list, memo: dict) -> bytes:
    """compact_bytes(items), where an item `memo` holds with its text (an entry shared by every
    assessment of a KB and day, like a conclusion none of whose rules fired) is not written
    again. The same bytes: a compact list is its items' texts joined by commas."""
    texts = []
    for item in items:
        found = memo.get(id(item))
        texts.append(found[1] if found is not None and found[0] is item else None)
    return compact_list(items, texts)


def _shared_text(key: str, value: Any, relocate) -> bytes:
    """What output_sha256 writes for a part shared by every assessment of a KB and day: its text,
    or for the rules table the SHA-256 of its text, as a JSON string."""
    text = dumps_canonical(value, None, relocate).encode()
    if key == "rules":
        return ('"' + hashlib.sha256(text).hexdigest() + '"').encode()
    return text


def relocator(kb_root: Path | None):
    """The change output_sha256 makes to each dict: a rule's file relative to the KB, no line."""
    root_key = str(kb_root) if kb_root else None

    def relocate(d: dict) -> dict:
        if "line" in d and isinstance(d.get("file"), str):
            d = dict(d)
            d["file"] = _inside(d["file"], root_key)
            del d["line"]
        return d
    return relocate


@lru_cache(maxsize=8192)
def _inside(file: str, root: str | None) -> str:
    from .paths import PROJECT_ROOT
    path = Path(file)
    path = (path if path.is_absolute() else PROJECT_ROOT / path).resolve()
    try:
        return path.relative_to(Path(root).resolve()).as_posix() if root else file
    except ValueError:
        return file


def build(kb: KB, ckb, doc, day, source: str, rule_versions: list[str],
          parameter_versions: list[str]) -> dict:
    """`rule_versions` and `parameter_versions`: sorted refs of those in force (shared lists)."""
    out = dict(static(kb))
    out.update({
        "input_sha256": input_sha256(doc.data),
        "as_of": day.isoformat(), "as_of_source": source,
        "rule_versions": rule_versions,
        "parameter_versions": parameter_versions,
        "strata": len(ckb.strata),
    })
    return out
