"""Bounded reading (issue 6.5): input is read only from regular files or from `-` (standard
input), never more than the size limit by bytes actually read, and a file that is not what it
seems is named, never echoed.

The FIFO and /dev/zero cases run the command in a subprocess with a timeout and a memory cap:
before the fix the first blocked forever and the second grew without limit, and a test that
hangs or exhausts the machine would not be a test.
"""
from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
from conftest import INCIDENTS, ROOT
from test_bad_input import assert_one_clean_error

from engine.yamlio import MAX_BYTES

CARD = INCIDENTS / "card_leak.yaml"
HINT = "give the path of a YAML file, or - to read standard input"


def _cli(*args: str, stdin=subprocess.DEVNULL, feed: bytes | None = None):
    """`python cli.py ARGS` with 20 s and 1 GiB at most."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    if feed is not None:
        stdin = subprocess.PIPE
    proc = subprocess.Popen([sys.executable, "cli.py", *args], cwd=ROOT, stdin=stdin,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=cap)
    try:        # communicate() ignores a reader that stops early (the rest is refused)
        out, err = proc.communicate(input=feed, timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"appi-kb {' '.join(args)} did not finish in 20 s")
    return proc.returncode, out.decode(), err.decode()


@pytest.fixture
def short_dir():
    """A directory with a short path (a Unix socket's path must stay under ~100 bytes)."""
    with tempfile.TemporaryDirectory(prefix="appi") as d:
        yield Path(d)


def test_a_fifo_is_refused_without_waiting_for_a_writer(short_dir):
    fifo = short_dir / "incident.yaml"
    os.mkfifo(fifo)
    code, out, err = _cli("assess", str(fifo))
    assert code == 2 and out == ""
    assert err == f"{fifo}: is a pipe (FIFO), not a regular file — {HINT}\n"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero (Linux, macOS)")
def test_dev_zero_is_refused_before_it_is_read():
    code, out, err = _cli("assess", "/dev/zero")
    assert code == 2 and out == ""
    assert err == f"/dev/zero: is a character device, not a regular file — {HINT}\n"


def test_a_directory_where_a_file_is_expected(run, short_dir):
    r = run("explain", short_dir)
    assert_one_clean_error(r, str(short_dir), ["is a directory, not a regular file", HINT])


def test_a_socket_is_refused(run, short_dir):
    path = short_dir / "s.yaml"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        r = run("assess", path)
    assert_one_clean_error(r, str(path), ["is a socket, not a regular file", HINT])


def test_stdin_is_read_with_a_dash(run):
    by_path = run("assess", CARD, "--format", "json")
    result = CliRunner().invoke(cli.main, ["assess", "-", "--format", "json"],
                                input=CARD.read_bytes(), catch_exceptions=False)
    assert result.exit_code == 0
    a, b = json.loads(by_path.stdout), json.loads(result.stdout)
    assert b["incident"]["file"] == "<stdin>"
    b["incident"]["file"] = a["incident"]["file"]
    assert a == b


def test_stdin_is_bounded_by_bytes_read():
    # 50 MB piped in: refused once the limit is passed, whatever arrives after
    code, out, err = _cli("assess", "-", feed=b"# padding\n" * 5_000_000)
    assert code == 2 and out == ""
    assert err.startswith(f"<stdin>: standard input is too large (more than {MAX_BYTES:,} bytes")


def test_a_pipe_through_dev_stdin_is_refused():
    # /dev/stdin on a pipe is a FIFO: only `-` reads a pipe, and then within the limit
    code, out, err = _cli("assess", "/dev/stdin", feed=b"incident: {id: x}\n")
    assert code == 2 and out == ""
    assert "is a pipe (FIFO), not a regular file" in err and "- to read standard input" in err


def test_a_file_exactly_at_the_limit_is_read_and_one_byte_more_is_not(run, tmp_path):
    body = CARD.read_bytes()
    at = tmp_path / "at.yaml"
    at.write_bytes(body + b"#" * (MAX_BYTES - len(body) - 1) + b"\n")
    assert at.stat().st_size == MAX_BYTES
    assert run("assess", at, "--format", "json").code == 0
    over = tmp_path / "over.yaml"
    over.write_bytes(at.read_bytes() + b"\n")
    assert_one_clean_error(run("assess", over), str(over),
                           [f"file is too large (more than {MAX_BYTES:,} bytes"])


def test_a_symlink_is_read_as_its_target_and_never_echoed(run, tmp_path):
    # a link to a system-like file outside the project: the message names the link and quotes
    # 80 characters of what it read (the 1,409-byte echo of the issue)
    target = tmp_path / "outside" / "passwd"
    target.parent.mkdir()
    target.write_text("".join(f"user{i}:x:{1000 + i}:{1000 + i}::/home/user{i}:/bin/sh\n"
                              for i in range(40)), encoding="utf-8")
    link = tmp_path / "incident.yaml"
    link.symlink_to(target)
    r = run("assess", link)
    assert_one_clean_error(r, f"{link}:1", ["expected a mapping at the top of the file",
                                            "(cut; "])
    assert len(r.stderr) < 400 and "user39" not in r.stderr
    good = tmp_path / "good.yaml"
    good.symlink_to(CARD)
    assert run("assess", good, "--format", "json").code == 0
