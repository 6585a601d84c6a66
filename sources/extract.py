#!/usr/bin/env python3
"""Make sources/official/*.txt from the verbatim texts in the steering repo's shared/sources/.

    python sources/extract.py                     # check: are the files what the recipe gives?
    python sources/extract.py --write             # redo the files and their sha256 in the manifest
    python sources/extract.py --verify-mirror GIT # compare every line with the stored e-Gov XML /
                                                  # ppc.go.jp HTML in a local git copy (read-only)

The recipe is sources/manifest.yaml: for each document, the ```text blocks under given headings of
official-texts.md / official-texts-mynumber-public.md (or a hand copy under sources/transcribed/).
Every document is normalised the same way: Unicode NFC, LF line ends, trailing whitespace removed,
tabs made spaces, runs of blank lines made one, characters otherwise unchanged; then a `§ …`
line is put before each article, guideline section or Q&A question (engine/sources.py reads them).

Where the shared texts are: --from DIR, else $APPI_KB_SHARED_SOURCES, else /work/shared/sources.
"""
from __future__ import annotations

import argparse
import hashlib
import html
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from engine.sources import LAW_KINDS, anchor_for_line, parse_text, squash  # noqa: E402

HEADER = ("# {id}: {title}\n"
          "# edition {edition}. Made by sources/extract.py from {via}; do not edit by hand.\n"
          "# '§ …' lines mark where an article, section or question begins; '#' lines are not text.\n")


def shared_dir(arg: str | None) -> Path:
    return Path(arg or os.environ.get("APPI_KB_SHARED_SOURCES") or "/work/shared/sources")


def blocks_under(md: str, heading: str) -> list[str]:
    """The ```text blocks after the heading line that starts with `heading`, up to the next
    heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    lines = md.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(heading)), None)
    if start is None:
        raise SystemExit(f"no heading starting with {heading!r}")
    out, block = [], None
    for line in lines[start + 1:]:
        if block is None:
            m = re.match(r"^(#+) ", line)
            if m and len(m.group(1)) <= level:
                break
            if line.strip() == "```text":
                block = []
        elif line.strip() == "```":
            out.append("\n".join(block))
            block = None
        else:
            block.append(line)
    if not out:
        raise SystemExit(f"no text block under {heading!r}")
    return out


def normalise(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    out: list[str] = []
    for line in text.split("\n"):
        line = line.replace("\t", " ").rstrip()
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


CAPTION = re.compile(r"^（[^）]*）$")     # an article's caption on a line of its own


def with_anchors(lines: list[str], doc: dict) -> list[str]:
    out: list[str] = []
    if doc["kind"] == "qa":
        out.append(f"§ {doc['question']}")
    for line in lines:
        anchor = anchor_for_line(line, doc["kind"])
        if anchor:
            caption = out.pop() if out and CAPTION.match(out[-1]) else None
            if out and out[-1]:
                out.append("")
            out.append(f"§ {anchor}")
            if caption:
                out.append(caption)
        out.append(line)
    return out


def merge(blocks: list[list[str]], doc: dict) -> list[str]:
    """Join the blocks of a document; when two give the same article, keep the one that contains
    the other (a fuller copy of the same text) and fail if they disagree."""
    if doc["kind"] not in LAW_KINDS:
        return [line for b in blocks for line in (b + [""])]
    seen: dict[str, list[str]] = {}
    order: list[str] = []
    for b in blocks:
        for parsed in parse_text("\n".join(with_anchors(b, doc))):
            key = parsed.anchor or f"#{len(order)}"
            text = [line for line in parsed.lines if line]
            if key in seen:
                old, new = squash("".join(seen[key])), squash("".join(text))
                if old in new:
                    seen[key] = text
                elif new not in old:
                    raise SystemExit(f"{doc['id']}: two different texts of {key}")
                continue
            seen[key] = text
            order.append(key)
    out: list[str] = []
    for key in sorted(order, key=_article_order):
        out += seen[key] + [""]
    return out


def _article_order(key: str):
    m = re.match(r"^([0-9]+)(?:の([0-9]+))?", key)
    return (0, int(m.group(1)), int(m.group(2) or 0), key) if m else (1, 0, 0, key)


def build(doc: dict, src: Path) -> str:
    blocks: list[list[str]] = []
    for step in doc["extract"]:
        if "transcribed" in step:
            blocks.append(normalise((HERE / step["transcribed"]).read_text(encoding="utf-8")))
        else:
            md = (src / step["file"]).read_text(encoding="utf-8")
            blocks += [normalise(b) for b in blocks_under(md, step["under"])]
    text = normalise("\n".join(with_anchors(merge(blocks, doc), doc)))
    via = doc["via"]["file"] if not any("transcribed" in s for s in doc["extract"]) else \
        "a hand copy of a stored page (sources/transcribed/)"
    return HEADER.format(id=doc["id"], title=doc["title"], edition=doc["edition"]["id"],
                         via=via) + "\n" + "\n".join(text) + "\n"


def set_sha(manifest_text: str, doc_id: str, sha: str) -> str:
    """Write `sha256:` after the document's `file:` line, keeping the manifest's comments."""
    pattern = re.compile(rf"(  - id: {re.escape(doc_id)}\n(?:    .*\n)*?    file: .*\n)(    sha256: .*\n)?")
    new, n = pattern.subn(lambda m: m.group(1) + f"    sha256: {sha}\n", manifest_text, count=1)
    if n != 1:
        raise SystemExit(f"cannot find document {doc_id} in the manifest")
    return new


# ---- comparing with the stored e-Gov XML / ppc.go.jp HTML ---------------------------------------
def flatten_markup(raw: str) -> str:
    raw = re.sub(r"<Rt>.*?</Rt>|<rt>.*?</rt>", "", raw, flags=re.S)
    raw = re.sub(r"<(script|style)\b.*?</\1>", "", raw, flags=re.S | re.I)
    return squash(html.unescape(re.sub(r"<[^>]+>", "", raw)))


def verify_mirror(docs: list[dict], gitdir: Path) -> int:
    bad = 0
    for doc in docs:
        copy = doc["origin"]["stored_copy"]
        if "commit" not in copy or "path" not in copy:
            continue
        try:
            raw = subprocess.run(["git", "--git-dir", str(gitdir), "show", f"{copy['commit']}:{copy['path']}"],
                                 check=True, capture_output=True).stdout.decode("utf-8")
        except (subprocess.CalledProcessError, UnicodeDecodeError):
            print(f"{doc['id']}: {copy['path']} is not in {gitdir}")
            continue
        flat = flatten_markup(raw)
        sups = [re.compile(s, re.M) for s in doc.get("supplements", [])]
        text = (HERE / doc["file"]).read_text(encoding="utf-8")
        lines = [b for blk in parse_text(text) for b in blk.lines]
        checked = missing = 0
        for line in lines:
            for rx in sups:
                line = rx.sub("", line)
            for part in line.split("…"):
                part = squash(part)
                if len(part) < 2:
                    continue
                checked += 1
                if part not in flat:
                    missing += 1
                    print(f"{doc['id']}: not in the stored copy: {part[:60]}")
        bad += missing
        print(f"{doc['id']}: {checked - missing}/{checked} lines found in {copy['repo']}:{copy['path']}")
    return bad


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--from", dest="src", help="the shared/sources folder")
    ap.add_argument("--write", action="store_true", help="write the files and their sha256")
    ap.add_argument("--verify-mirror", metavar="GITDIR", help="compare with stored copies in a git dir")
    args = ap.parse_args()
    manifest_path = HERE / "manifest.yaml"
    manifest_text = manifest_path.read_text(encoding="utf-8")
    docs = yaml.safe_load(manifest_text)["documents"]
    if args.verify_mirror:
        return 1 if verify_mirror(docs, Path(args.verify_mirror)) else 0
    src = shared_dir(args.src)
    stale = 0
    for doc in docs:
        text = build(doc, src)
        path = HERE / doc["file"]
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if args.write:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            manifest_text = set_sha(manifest_text, doc["id"], sha)
        elif not path.is_file() or path.read_text(encoding="utf-8") != text or doc.get("sha256") != sha:
            stale += 1
            print(f"{doc['file']}: differs from what the recipe gives (run with --write)")
    if args.write:
        manifest_path.write_text(manifest_text, encoding="utf-8")
        print(f"wrote {len(docs)} documents")
    elif not stale:
        print(f"{len(docs)} documents are what the recipe gives")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
