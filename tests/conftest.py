"""Shared test helpers: the repository root on sys.path (so `cli` and `engine` import from a plain
checkout), a CLI runner with stdout and stderr kept apart, and the bundled test incidents."""
from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The suite never touches the user's cache directory: one fresh KB cache for the whole run
# (tests/test_kbcache.py points it elsewhere where it needs to).
os.environ["APPI_KB_CACHE_DIR"] = tempfile.mkdtemp(prefix="appi-kb-test-cache-")
atexit.register(shutil.rmtree, os.environ["APPI_KB_CACHE_DIR"], True)
os.environ.pop("APPI_KB_NO_CACHE", None)

from click.testing import CliRunner  # noqa: E402

import cli  # noqa: E402

DATA = ROOT / "tests" / "data"
INCIDENTS = DATA / "incidents"
BAD = ROOT / "tests" / "bad"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    stdout_bytes: bytes


def _runner() -> CliRunner:
    try:                                   # click < 8.2 mixes stderr into stdout unless told not to
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


@pytest.fixture
def run():
    """run(*args) -> Run: invoke `appi-kb` in-process, as a script would."""
    def _run(*args: object, input: str | None = None) -> Run:
        result = _runner().invoke(cli.main, [str(a) for a in args], input=input,
                                  catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr, result.stdout_bytes)
    return _run


@pytest.fixture(scope="session")
def engine():
    from engine.assess import Engine
    return Engine()


@pytest.fixture(scope="session")
def sections(engine):
    return cli._sections(engine)


@pytest.fixture(scope="session")
def assess(engine):
    """assess(name, as_of=None) -> the assessment dict of tests/data/incidents/<name>.yaml."""
    from engine.assess import load_incident

    def _assess(name: str, as_of=None) -> dict:
        return engine.assess(load_incident(INCIDENTS / f"{name}.yaml"), as_of)
    return _assess
