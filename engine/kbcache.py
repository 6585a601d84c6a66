"""A cache of the validated knowledge base, so that a cold `appi-kb assess` does not re-read and
re-validate every rule file (issue 6.6).

What is cached, per knowledge base: the validated `KB` (load_kb's result), the compiled rule sets
(`CompiledKB`, one per set of rule versions in force) and the national-holiday tables computed for
deadlines. The durable-rules rulesets themselves live in C memory and are registered afresh.

The key is a SHA-256 over the bytes of everything the result depends on: every file under the
rules directory, every file under schemas/ (and sources/ when present), every Python file of
the engine package (its code version: a change to the loader or compiler can never be served a
stale result), the Python version and the versions of the libraries that read or compute it
(PyYAML, jsonschema, durable-rules, holidays). A changed byte is a different key, so an entry is
never stale; old entries are pruned.

Where: the user cache directory (`$XDG_CACHE_HOME/appi-kb`, `~/Library/Caches/appi-kb`,
`%LOCALAPPDATA%\\appi-kb\\Cache`), or `$APPI_KB_CACHE_DIR`; `APPI_KB_NO_CACHE=1` turns it off.
The cache is an optimisation only: a directory that cannot be created or written, or an entry that
is corrupt (checksum), truncated, foreign (another user's, or writable by others) or unreadable,
is ignored and the KB is built from the files, as without a cache. Output is byte-identical with
and without it (tests/test_kbcache.py).
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import pickle
import re
import stat
import sys
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from . import calendar
from .paths import PROJECT_ROOT, RULES_DIR, SCHEMAS_DIR

FORMAT = b"appi-kb kb cache 2\n"
ENV_DIR, ENV_OFF = "APPI_KB_CACHE_DIR", "APPI_KB_NO_CACHE"
KEEP = 8                      # entries kept (one per KB version / code version in use)
LIBRARIES = ("PyYAML", "jsonschema", "durable_rules", "holidays")
_ENGINE_DIR = Path(__file__).resolve().parent


def cache_dir() -> Path | None:
    """The directory for cache entries, or None when caching is off."""
    if os.environ.get(ENV_OFF, "") not in ("", "0"):
        return None
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR])
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return Path(base) / "appi-kb" / "Cache" if base else None
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "appi-kb"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg and os.path.isabs(xdg) else home / ".cache") / "appi-kb"


# ---- the key ----------------------------------------------------------------------------------
def _tree(hasher, label: str, root: Path, suffix: str | None = None) -> None:
    """Every file under `root` (path relative to it, and bytes), in a fixed order. (Plain
    os.path strings: this runs on every start, and pathlib objects cost more than the hashing.)"""
    hasher.update(f"\0{label}\0".encode())
    top = os.fspath(root)
    if not os.path.isdir(top):
        return
    cut = len(os.path.join(top, ""))
    sha256 = hashlib.sha256
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
        here = dirpath[cut:].replace(os.sep, "/")
        for name in sorted(filenames):
            if suffix and not name.endswith(suffix):
                continue
            try:
                with open(os.path.join(dirpath, name), "rb") as fh:
                    data = fh.read()
            except OSError:
                data = b"<unreadable>"
            rel = f"{here}/{name}" if here else name
            hasher.update(rel.encode() + b"\0" + sha256(data).digest())


@lru_cache(maxsize=4)
def library_versions(names: tuple[str, ...] = LIBRARIES) -> dict[str, str]:
    """Versions of installed distributions, read from the names of their metadata folders
    (importlib.metadata costs 11 ms to import, more than the rest of a warm start's lookups)."""
    wanted = {re.sub(r"[-_.]+", "_", n).lower(): n for n in names}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            listing = os.listdir(entry or ".")
        except OSError:
            continue
        for name in listing:
            m = re.match(r"^(.+?)-([^-]+)\.(?:dist-info|egg-info)$", name)
            if m:
                dist = re.sub(r"[-_.]+", "_", m.group(1)).lower()
                if dist in wanted and wanted[dist] not in found:
                    found[wanted[dist]] = m.group(2)
    return {n: found.get(n, "unknown") for n in names}


def kb_key(rules_dir: Path) -> str:
    h = hashlib.sha256(FORMAT)
    h.update(sys.version.encode() + b"\0" + sys.implementation.cache_tag.encode())
    h.update(repr(sorted(library_versions().items())).encode())
    _tree(h, "engine", _ENGINE_DIR, ".py")
    _tree(h, "schemas", SCHEMAS_DIR)
    _tree(h, "sources", PROJECT_ROOT / "sources")
    _tree(h, "rules", Path(rules_dir).resolve())
    # where it lies too (--rules DIR): a KB names its folder and its files' paths in the output
    h.update(b"\0at\0" + str(Path(rules_dir).resolve()).encode())
    return h.hexdigest()


# ---- files on disk ---------------------------------------------------------------------------
def _safe_to_load(path: Path) -> bool:
    """Only our own files, writable by nobody else: a cache file is unpickled, and unpickling a
    file someone else could write would run their code (as a .pyc would)."""
    if not hasattr(os, "getuid"):
        return True
    try:
        st = os.stat(path)
    except OSError:
        return False
    return (stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid()
            and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


class _Pickler(pickle.Pickler):
    """Objects of the KB (rule and parameter versions) are written as references, so that a
    compiled rule set stored apart from its KB is small and, once read, shares the KB's objects."""

    def __init__(self, fh, refs: dict[int, tuple]) -> None:
        super().__init__(fh, protocol=pickle.HIGHEST_PROTOCOL)
        self.refs = refs

    def persistent_id(self, obj):
        return self.refs.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, fh, objects: dict[tuple, Any]) -> None:
        super().__init__(fh)
        self.objects = objects

    def persistent_load(self, pid):
        return self.objects[pid]


def _kb_objects(kb: Any) -> dict[tuple, Any]:
    out: dict[tuple, Any] = {("kb",): kb}
    for rule in kb.rules.values():
        for i, v in enumerate(rule.versions):
            out[("rule", rule.id, i)] = v
    for param in kb.parameters.values():
        for i, pv in enumerate(param.versions):
            out[("param", param.id, i)] = pv
    return out


def _read(path: Path, objects: dict[tuple, Any] | None = None) -> Any:
    """The object stored at `path`, or None when there is none that can be trusted."""
    if path is None or not _safe_to_load(path):
        return None
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head = len(FORMAT) + 32
    if len(blob) < head or not blob.startswith(FORMAT):
        return None
    digest, payload = blob[len(FORMAT):head], blob[head:]
    if hashlib.sha256(payload).digest() != digest:
        return None                                   # torn write or bit rot: rebuild
    try:
        return _Unpickler(io.BytesIO(payload), objects or {}).load()
    except Exception:                                 # noqa: BLE001 -- any unreadable file
        return None


def _write(directory: Path, path: Path, obj: Any, refs: dict[int, tuple] | None = None) -> bool:
    buf = io.BytesIO()
    try:
        _Pickler(buf, refs or {}).dump(obj)
    except Exception:                                 # noqa: BLE001 -- e.g. a native handle
        return False
    payload = buf.getvalue()
    try:
        import tempfile              # (only to write: a warm start reads)
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(FORMAT + hashlib.sha256(payload).digest() + payload)
            os.replace(tmp, path)                     # atomic: readers see old or new, never half
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError:                                   # read-only, full, not ours: no cache
        return False
    return True


def _prune(directory: Path) -> None:
    """Keep the files of the KEEP most recently written KB versions."""
    try:
        mains = sorted(directory.glob("kb-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        keys = [p.name[3:43] for p in mains if len(p.name) == len("kb-.pickle") + 40]
        for old in keys[KEEP:]:
            for f in directory.glob(f"kb-{old}*.pickle"):
                f.unlink()
    except OSError:
        pass


# ---- what is stored ---------------------------------------------------------------------------
class LazyDocs(Mapping):
    """`KB.docs` in a cached KB: each rule file's loaded document (its data and the line of every
    value), read again from its file only when a message needs a line. Those line maps are 85% of
    a pickled KB, and an assessment of a valid KB never needs them."""

    def __init__(self, paths: dict[str, str]) -> None:
        self._paths = paths                       # display name -> file
        self._docs: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._docs:
            from .yamlio import load_yaml
            self._docs[name] = load_yaml(self._paths[name], name)
        return self._docs[name]

    def __iter__(self):
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def __reduce__(self):
        return (LazyDocs, (self._paths,))


def _storable(kb: Any, rules_dir: Path) -> Any:
    """The KB as cached: its documents replaced by a LazyDocs over the same files."""
    from .paths import display
    root = Path(rules_dir).resolve()
    paths = {}
    for rel in kb.files:
        name = display(root / rel)
        if name in kb.docs:
            paths[name] = str(root / rel)
    if set(paths) != set(kb.docs):        # a layout this does not know: keep the documents
        return kb
    return dataclasses.replace(kb, docs=LazyDocs(paths))


# ---- the cache of one process -----------------------------------------------------------------
class _Entry:
    """One KB's files: `kb-KEY.pickle` (the KB and the holiday tables it used) and one
    `kb-KEY.c-TOKEN.pickle` per compiled rule set. Each is written as soon as it is built (a batch
    worker ends without running exit handlers), so the next process finds it."""

    def __init__(self, directory: Path, key: str, data: dict) -> None:
        self.directory, self.key, self.data = directory, key, data
        self.compiled: dict[str, Any] = {}
        self._refs: dict[int, tuple] | None = None

    @property
    def path(self) -> Path:
        return self.directory / f"kb-{self.key[:40]}.pickle"

    def compiled_path(self, token: str) -> Path:
        return self.directory / f"kb-{self.key[:40]}.c-{token[:24]}.pickle"

    def save(self) -> None:
        if _write(self.directory, self.path, self.data):
            _prune(self.directory)

    def refs(self) -> dict[int, tuple]:
        if self._refs is None:
            self._refs = {id(obj): pid for pid, obj in _kb_objects(self.data["kb"]).items()}
        return self._refs


_entries: dict[int, _Entry] = {}        # id(kb) -> its entry (the last few KBs loaded)
_LIVE = 4


def load_kb(rules_dir: Path = RULES_DIR) -> Any:
    """`kbload.load_kb(rules_dir)`, from the cache when an entry for exactly these bytes exists.
    (kbload and the checks it imports are imported only to build: a warm start never needs them.)"""
    directory = cache_dir()
    if directory is None:
        from .kbload import load_kb as build
        return build(rules_dir)
    entry = _Entry(directory, kb_key(rules_dir), {})
    data = _read(entry.path)
    fresh = not (isinstance(data, dict) and "kb" in data and "holidays" in data)
    if fresh:
        from .kbload import load_kb as build
        data = {"kb": _storable(build(rules_dir), rules_dir), "holidays": {}}
    entry.data = data
    while len(_entries) >= _LIVE:                     # a long process (tests) loads many KBs
        _entries.pop(next(iter(_entries)))
    _entries[id(data["kb"])] = entry
    calendar.preload(data["holidays"])
    if fresh:
        entry.save()
    return data["kb"]


def compiled(kb: Any, selection: Any, build: Callable[[], Any]) -> Any:
    """The compiled rule set of `kb` for one selection of rule and parameter versions."""
    entry = _entries.get(id(kb))
    if entry is None:
        return build()
    token = hashlib.sha256(repr(selection).encode()).hexdigest()
    found = entry.compiled.get(token)
    if found is None:
        found = _read(entry.compiled_path(token), _kb_objects(kb))
    if found is None:
        found = build()
        _write(entry.directory, entry.compiled_path(token), found, entry.refs())
    entry.compiled[token] = found
    return found


def kept(kb: Any, name: str, build: Callable[[], Any]) -> Any:
    """A small KB-wide value (plain data) kept in the KB's own cache entry: built once for these
    bytes of the KB, its code and libraries (the entry's key covers everything it may read)."""
    entry = _entries.get(id(kb))
    if entry is None:
        return build()
    extras = entry.data.setdefault("extras", {})
    if name not in extras:
        extras[name] = build()
        entry.save()
    return extras[name]


def _remember_holidays(key: tuple[str, int], table: dict) -> None:
    for entry in list(_entries.values()):
        if key not in entry.data["holidays"]:
            entry.data["holidays"][key] = table
            entry.save()


calendar.table_listeners.append(_remember_holidays)
