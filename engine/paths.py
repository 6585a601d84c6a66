"""Where the knowledge base, schemas and fixtures live.

From a checkout (or an editable install) they are the top-level folders next to `engine/`;
from an installed wheel they are package data under `engine/_data/` (see pyproject.toml).
"""
from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


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
