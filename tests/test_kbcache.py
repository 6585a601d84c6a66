"""The KB cache (issue 6.6, engine/kbcache.py): never stale, never required, never visible.

Each test points APPI_KB_CACHE_DIR at its own directory. Staleness is tested on a copy of the
knowledge base (edit a rule: a miss, and the edit shows), the key on copies of the engine and the
schemas; output is compared byte for byte across fresh processes with the cache off, cold and warm.
"""
from __future__ import annotations

import datetime as _dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import helpers
from conftest import INCIDENTS, ROOT
from engine import calendar, kbcache
from engine.assess import Engine
from engine.paths import RULES_DIR
from engine.yamlio import load_yaml

CARD = INCIDENTS / "card_leak.yaml"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("APPI_KB_CACHE_DIR", str(d))
    monkeypatch.delenv("APPI_KB_NO_CACHE", raising=False)
    return d


@pytest.fixture
def rules(tmp_path) -> Path:
    """A copy of the real knowledge base that a test may edit."""
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    return target


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A one-rule knowledge base (the real manifest), quick to load and to assess."""
    rules = [helpers.rule("test.private", {"fact": "business.sector", "equals": "private"},
                          "test.private")]
    return helpers.new_kb(tmp_path / "tiny", {"t.yaml": helpers.rule_file("unit-t", rules)})


def entries(d: Path) -> list[Path]:
    """The KB files (one per KB version), without the compiled rule sets stored beside them."""
    return sorted(f for f in d.glob("kb-*.pickle") if ".c-" not in f.name)


def compiled_files(d: Path) -> list[Path]:
    return sorted(d.glob("kb-*.c-*.pickle"))


def _assess(rules_dir: Path) -> dict:
    from engine.schemas import validate_doc
    doc = load_yaml(CARD)
    validate_doc(doc, "incident")
    return Engine(rules_dir=rules_dir).assess(doc)


# ---- where ------------------------------------------------------------------------------------
def test_the_cache_lives_in_the_user_cache_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("APPI_KB_CACHE_DIR", raising=False)
    monkeypatch.delenv("APPI_KB_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(sys, "platform", "linux")
    assert kbcache.cache_dir() == tmp_path / "xdg" / "appi-kb"
    monkeypatch.setattr(sys, "platform", "darwin")
    assert kbcache.cache_dir() == Path.home() / "Library" / "Caches" / "appi-kb"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert kbcache.cache_dir() == tmp_path / "local" / "appi-kb" / "Cache"
    monkeypatch.setenv("APPI_KB_CACHE_DIR", str(tmp_path / "mine"))
    assert kbcache.cache_dir() == tmp_path / "mine"
    monkeypatch.setenv("APPI_KB_NO_CACHE", "1")
    assert kbcache.cache_dir() is None


# ---- hit, miss, staleness ---------------------------------------------------------------------
def test_a_second_load_is_a_hit_and_compiles_nothing(cache, rules, monkeypatch):
    first = _assess(rules)
    assert len(entries(cache)) == 1 and len(compiled_files(cache)) == 1
    import engine.kbload
    import engine.compile

    def no_building(*args, **kwargs):
        raise AssertionError("built again although the cache holds it")
    monkeypatch.setattr(engine.kbload, "load_kb", no_building)
    monkeypatch.setattr(engine.compile, "compile_kb", no_building)
    import engine.assess
    monkeypatch.setattr(engine.assess, "compile_kb", no_building, raising=False)
    import engine.release                             # the receipt's KB-wide part is kept too
    monkeypatch.setattr(engine.release, "check", no_building)
    kbcache._entries.clear()                          # as in a new process: read from the files
    again = _assess(rules)
    assert again == first
    kb = next(iter(kbcache._entries.values())).data["kb"]
    # the compiled rule set read back shares the KB's own rule versions (stored as references)
    entry = next(iter(kbcache._entries.values()))
    (ckb,) = entry.compiled.values()
    some = next(iter(ckb.rules.values())).version
    assert any(v is some for r in kb.rules.values() for v in r.versions)
    assert compiled_files(cache)[0].stat().st_size < entries(cache)[0].stat().st_size / 2


def test_editing_a_rule_is_a_miss_and_the_edit_shows(cache, rules):
    before = _assess(rules)
    target = rules / "regulation" / "appi-rules" / "art08.yaml"
    text = target.read_text(encoding="utf-8")
    assert "kb" not in target.name
    # a comment changes the bytes, not the law: still a new entry (keyed by bytes, not meaning)
    target.write_text(text + "\n# an editor's note\n", encoding="utf-8")
    _assess(rules)
    assert len(entries(cache)) == 2
    # a real change of a rule file: another new entry, and the assessment follows it
    manifest = rules / "kb.yaml"
    mtext = manifest.read_text(encoding="utf-8")
    version = load_yaml(manifest).data["kb"]["version"]
    manifest.write_text(mtext.replace(f"version: {version}", "version: 9.9.9", 1)
                        if f"version: {version}" in mtext else
                        mtext.replace(f'version: "{version}"', 'version: "9.9.9"', 1),
                        encoding="utf-8")
    after = _assess(rules)
    assert len(entries(cache)) == 3
    assert before["receipt"]["kb_version"] == version
    assert after["receipt"]["kb_version"] == "9.9.9"


def test_the_key_covers_the_engine_code_the_schemas_and_the_libraries(monkeypatch, tmp_path):
    engine_copy, schemas_copy = tmp_path / "engine", tmp_path / "schemas"
    shutil.copytree(Path(kbcache.__file__).parent, engine_copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "schemas", schemas_copy)
    monkeypatch.setattr(kbcache, "_ENGINE_DIR", engine_copy)
    monkeypatch.setattr(kbcache, "SCHEMAS_DIR", schemas_copy)
    key = kbcache.kb_key(RULES_DIR)
    assert kbcache.kb_key(RULES_DIR) == key                         # stable
    compile_py = engine_copy / "compile.py"
    compile_py.write_text(compile_py.read_text(encoding="utf-8") + "\n# changed\n",
                          encoding="utf-8")
    key2 = kbcache.kb_key(RULES_DIR)
    assert key2 != key                                              # the code version
    (engine_copy / "new_module.py").write_text("X = 1\n", encoding="utf-8")
    key3 = kbcache.kb_key(RULES_DIR)
    assert key3 != key2                                             # a new engine module
    schema = schemas_copy / "incident.schema.json"
    schema.write_bytes(schema.read_bytes() + b" ")
    key4 = kbcache.kb_key(RULES_DIR)
    assert key4 != key3                                             # the schemas
    monkeypatch.setattr(kbcache, "library_versions", lambda *names: {"holidays": "0.0-other"})
    assert kbcache.kb_key(RULES_DIR) != key4                        # the libraries


def test_library_versions_are_read_without_importing_them():
    from importlib import metadata
    for names in (kbcache.LIBRARIES, ("click", "durable_rules")):
        versions = kbcache.library_versions(names)
        assert set(versions) == set(names)
        for name in names:
            assert versions[name] == metadata.version(name), name
    assert kbcache.library_versions(("no-such-package",)) == {"no-such-package": "unknown"}


# ---- never required ---------------------------------------------------------------------------
def test_an_unwritable_cache_directory_is_no_cache(monkeypatch, tmp_path, tiny):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n", encoding="utf-8")
    monkeypatch.setenv("APPI_KB_CACHE_DIR", str(blocker / "cache"))   # cannot be created, even by root
    monkeypatch.delenv("APPI_KB_NO_CACHE", raising=False)
    with_nothing = _assess(tiny)
    monkeypatch.setenv("APPI_KB_NO_CACHE", "1")
    assert _assess(tiny) == with_nothing


def test_a_read_only_cache_is_read_and_never_written(cache, tiny, monkeypatch):
    first = _assess(tiny)
    (entry,) = entries(cache)
    stamp = entry.stat().st_mtime_ns

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Read-only file system")
    import tempfile                              # (kbcache imports it only to write)
    monkeypatch.setattr(tempfile, "mkstemp", refuse)               # as on a read-only mount
    (tiny / "kb.yaml").write_text((tiny / "kb.yaml").read_text(encoding="utf-8") + "# x\n",
                                   encoding="utf-8")
    second = _assess(tiny)                                         # a miss that cannot be stored
    assert entries(cache) == [entry] and entry.stat().st_mtime_ns == stamp
    assert second == first


@pytest.mark.parametrize("which", ["kb", "compiled"])
@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "empty", "group-writable"])
def test_a_damaged_or_foreign_file_is_ignored_and_rebuilt(cache, tiny, damage, which):
    good = _assess(tiny)
    (target,) = entries(cache) if which == "kb" else compiled_files(cache)
    blob = target.read_bytes()
    if damage == "flip":
        target.write_bytes(blob[:-100] + bytes([blob[-100] ^ 0xFF]) + blob[-99:])
    elif damage == "truncate":
        target.write_bytes(blob[:len(blob) // 2])
    elif damage == "garbage":
        target.write_bytes(b"\x80\x05not a pickle at all" * 100)
    elif damage == "empty":
        target.write_bytes(b"")
    else:
        target.chmod(0o666)         # anyone could have written it: never unpickled
    assert kbcache._read(target) is None
    kbcache._entries.clear()                          # as in a new process
    assert _assess(tiny) == good
    kb = next(iter(kbcache._entries.values())).data["kb"]
    assert kbcache._read(target, kbcache._kb_objects(kb)) is not None   # rebuilt in place, ours


def test_old_entries_are_pruned(cache, tiny):
    for i in range(kbcache.KEEP + 3):
        (tiny / "kb.yaml").write_text((tiny / "kb.yaml").read_text(encoding="utf-8")
                                       + f"# {i}\n", encoding="utf-8")
        kbcache.load_kb(tiny)
    assert len(entries(cache)) == kbcache.KEEP


# ---- never visible ----------------------------------------------------------------------------
_PROBE = """
import sys
from pathlib import Path
from engine.assess import Engine
from engine.render import render
from engine.schemas import validate_doc
from engine.yamlio import load_yaml
import cli
engine = Engine()
for name in sys.argv[1:]:
    doc = load_yaml(Path(name))
    validate_doc(doc, "incident")
    a = engine.assess(doc)
    for fmt in ("json", "text", "markdown"):
        sys.stdout.write(render(a, fmt, "ja", cli._sections(engine)))
    sys.stdout.write(render(a, "text", "en", cli._sections(engine)))
print("holidays imported:", "holidays" in sys.modules, file=sys.stderr)
"""


def test_output_is_byte_identical_with_the_cache_off_cold_and_warm(tmp_path):
    # (and one written as a person writes it: labels, いいえ, 不明, a status per kind)
    files = [*map(str, EXAMPLES), *map(str, sorted(INCIDENTS.glob("*.yaml"))),
             str(ROOT / "tests" / "data" / "person" / "written_as_people_write.yaml")]
    env = dict(os.environ, APPI_KB_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("APPI_KB_NO_CACHE", None)
    runs = {}
    for mode in ("off", "cold", "warm"):
        e = dict(env, APPI_KB_NO_CACHE="1") if mode == "off" else env
        r = subprocess.run([sys.executable, "-c", _PROBE, *files], capture_output=True, cwd=ROOT,
                           env=e, timeout=300)
        assert r.returncode == 0, r.stderr.decode()[-2000:]
        runs[mode] = r
    assert runs["off"].stdout == runs["cold"].stdout == runs["warm"].stdout
    assert len(runs["off"].stdout) > 10_000
    # warm: the holiday tables came from the cache, the holidays package was never imported
    assert b"holidays imported: True" in runs["cold"].stderr
    assert b"holidays imported: False" in runs["warm"].stderr


# ---- the holiday calendar ---------------------------------------------------------------------
def test_the_japanese_calendar_loads_one_country_and_matches_the_package():
    import holidays
    for year in (2016, 2019, 2020, 2021, 2024, 2026):        # 振替休日, the 2019-2021 moves
        expected = {d: n for d, n in holidays.country_holidays(
            "JP", years=[year - 1, year, year + 1], language="ja").items() if d.year == year}
        calendar._tables.pop(("JP", year), None)
        assert calendar.holiday_names("JP", year) == expected
    assert calendar.holiday_names("JP", 2024)[_dt.date(2024, 5, 6)] == "振替休日"


def test_an_unknown_holiday_calendar_is_an_input_error():
    from engine.errors import InputError
    with pytest.raises(InputError, match="unknown holiday calendar 'XX'"):
        calendar.holiday_names("XX", 2024)


_ONE_COUNTRY = """
import sys
from engine import calendar
calendar.holiday_names("JP", 2024)
loaded = [m for m in sys.modules if m.startswith("holidays.countries")]
print(len(loaded))
"""


def test_only_the_japanese_module_of_the_holidays_package_is_imported():
    r = subprocess.run([sys.executable, "-c", _ONE_COUNTRY], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "0"           # not the ~280 country modules of holidays.countries


def test_no_schema_self_check_at_run_time(monkeypatch):
    from jsonschema import Draft202012Validator

    from engine import schemas

    def boom(*args, **kwargs):
        raise AssertionError("check_schema ran at run time")
    schemas.validator.cache_clear()
    monkeypatch.setattr(Draft202012Validator, "check_schema", boom)
    try:
        doc = load_yaml(CARD)
        schemas.validate_doc(doc, "incident")
    finally:
        schemas.validator.cache_clear()


def test_a_cached_kb_still_names_lines_in_messages(cache, tiny):
    # the documents (line maps) are not stored: they are read again when a message needs a line
    from engine.kbload import load_kb as build
    fresh = build(tiny)
    kbcache.load_kb(tiny)
    cached = kbcache.load_kb(tiny)                  # the second one comes from the file
    assert isinstance(cached.docs, kbcache.LazyDocs) and cached.docs._docs == {}
    (name,) = fresh.docs
    for path in [("rules", 0), ("rules", 0, "versions", 0, "when")]:
        a = fresh.error_at(name, path, "m")
        b = cached.error_at(name, path, "m")
        assert (a.file, a.line) == (b.file, b.line) and b.line > 1
    assert dict(cached.docs)[name].data == fresh.docs[name].data


_WARM_START = """
import sys
import cli
try:
    cli.main(["assess", sys.argv[1], "--format", "json"], standalone_mode=False)
finally:
    sys.stdout.flush()
heavy = ["holidays", "importlib.metadata", "engine.kbload", "engine.kbchecks", "engine.validate",
         "engine.sources", "jsonschema", "tempfile", "difflib", "engine.dateforms"]
print("LOADED:", ",".join(m for m in heavy if m in sys.modules), file=sys.stderr)
"""


def test_a_warm_start_loads_nothing_that_only_building_the_kb_needs(tmp_path):
    # what the cache saves is only saved if the code that builds the KB is not imported anyway:
    # the YAML checks, the citation sources, the holidays package (all ~280 countries, or even
    # one), importlib.metadata (the receipt reads durable's version from its folder name),
    # jsonschema (a valid incident is checked by engine/conforms.py; jsonschema explains errors),
    # tempfile (only to write an entry), difflib and the date forms (only for a message)
    env = dict(os.environ, APPI_KB_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("APPI_KB_NO_CACHE", None)
    runs = [subprocess.run([sys.executable, "-c", _WARM_START, str(CARD)], capture_output=True,
                           text=True, cwd=ROOT, env=env, timeout=300) for _ in range(2)]
    assert all(r.returncode == 0 for r in runs), runs[-1].stderr[-2000:]
    assert runs[0].stdout == runs[1].stdout
    assert "engine.kbload" in runs[0].stderr           # the first run built the KB
    assert runs[1].stderr.strip().endswith("LOADED:"), runs[1].stderr
