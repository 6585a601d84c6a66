"""Where the knowledge base, schemas and fixtures live.

From a checkout (or an editable install) they are the top-level folders next to `engine/`;
from an installed wheel they are package data under `engine/_data/` (see pyproject.toml).

Another knowledge base can be chosen with `--rules DIR` or the environment variable
APPI_KB_RULES (`kb_dir`). Its fixtures and example incidents are the `fixtures/` and `examples/`
folders beside it, as in this checkout's own layout (`beside`).
"""
from __future__ import annotations

import os
from pathlib import Path

_HERE = Path(__file__).resolve().parent

RULES_ENV = "APPI_KB_RULES"


def _pick(name: str) -> Path:
    checkout = _HERE.parent / name
    if checkout.is_dir():
        return checkout
    return _HERE / "_data" / name


RULES_DIR = _pick("rules")
SCHEMAS_DIR = _pick("schemas")
FIXTURES_DIR = _pick("fixtures")
SOURCES_DIR = _pick("sources")     # the official texts quotes are checked against
PROJECT_ROOT = RULES_DIR.parent


def display(path: Path | str) -> str:
    """A short, stable name for messages: relative to the project root when inside it."""
    if str(path) == "-":
        return "<stdin>"
    path = Path(path)
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT.resolve()))
    except ValueError:
        return str(path)


def kb_dir(explicit: str | Path | None = None) -> Path:
    """The knowledge base to use: `explicit` (--rules), else $APPI_KB_RULES, else the one beside
    the code. A project folder holding rules/kb.yaml stands for its rules/ folder."""
    chosen = explicit if explicit not in (None, "") else os.environ.get(RULES_ENV) or None
    if chosen is None:
        return RULES_DIR
    path = Path(chosen).expanduser().resolve()
    if not (path / "kb.yaml").is_file() and (path / "rules" / "kb.yaml").is_file():
        path = path / "rules"
    return path


def beside(rules_dir: Path, name: str) -> Path:
    """A folder that sits next to a knowledge base (fixtures, examples), as in a checkout."""
    if Path(rules_dir).resolve() == RULES_DIR.resolve():
        return FIXTURES_DIR if name == "fixtures" else PROJECT_ROOT / name
    return Path(rules_dir).resolve().parent / name


def where(path: Path | str) -> str:
    """A KB's location for output: relative to the working directory when inside it (so the
    same checkout gives the same bytes wherever it lies), absolute otherwise."""
    path = Path(path).resolve()
    try:
        rel = path.relative_to(Path.cwd().resolve())
        return rel.as_posix() or "."
    except ValueError:
        return path.as_posix()
