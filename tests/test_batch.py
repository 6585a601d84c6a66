"""`appi-kb assess` on many incidents (issue 6.6): JSON Lines in input order, the same bytes with
one worker or several, one bad file reported (file:line) without losing the others."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

import cli
from conftest import BAD, INCIDENTS, ROOT
from engine.document import read_lines
from engine.errors import EngineError

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
GOOD = [*EXAMPLES, *sorted(INCIDENTS.glob("*.yaml"))]


def lines(text: str) -> list[dict]:
    """The records of a batch's output: assessments (their rules table joined in) and errors."""
    return list(read_lines(text.splitlines()))


def test_each_record_reads_back_as_the_json_assessment_of_its_file_in_input_order(run):
    order = [GOOD[3], GOOD[0], GOOD[5], GOOD[1]]
    r = run("assess", *order)
    assert r.code == 0 and r.stderr == ""
    got = lines(r.stdout)
    assert len(got) == len(order)
    for path, line in zip(order, got):
        single = run("assess", path, "--format", "json")
        assert json.loads(single.stdout) == line
    assert all("\n" not in ln for ln in r.stdout.splitlines())


def test_a_rules_table_is_written_once_before_the_first_line_that_names_it(run):
    # the table is ~450 KB of a ~640 KB assessment and the same for every assessment of a KB and
    # day: it goes out once per stream, and each assessment names it by its SHA-256
    import hashlib
    order = [GOOD[0], GOOD[1], GOOD[2], GOOD[1], GOOD[0]]
    r = run("assess", *order)
    raw = [json.loads(ln) for ln in r.stdout.splitlines()]
    tables = [x for x in raw if "rules_table" in x]
    distinct = {json.dumps(json.loads(run("assess", p, "--format", "json").stdout)["rules"])
                for p in order[:3]}                 # tables differ where versions or labels do
    assert len(distinct) >= 2 and len(tables) == len(distinct)
    assert len(raw) == len(order) + len(distinct)
    seen = set()
    for x in raw:
        if "rules_table" in x:
            text = json.dumps(x["rules"], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            assert hashlib.sha256(text.encode()).hexdigest() == x["rules_table"]
            assert x["rules_table"] not in seen
            seen.add(x["rules_table"])
        else:
            assert x["rules"] in seen                # named, and given on an earlier line
    assert len(r.stdout_bytes) < 0.5 * len(order) * len(
        run("assess", GOOD[0], "--format", "json").stdout_bytes)


def test_every_line_is_valid_against_the_assessment_schema(run):
    import jsonschema
    schema = json.loads((ROOT / "schemas" / "assessment.schema.json").read_text(encoding="utf-8"))
    kinds = {"assessment": schema,
             "table": {"$ref": "#/$defs/rules_table_line", "$defs": schema["$defs"]},
             "error": {"$ref": "#/$defs/error_line", "$defs": schema["$defs"]}}
    r = run("assess", GOOD[1], BAD / "count_hex.yaml", GOOD[2])    # two tables (two days)
    seen = []
    for ln in r.stdout.splitlines():
        x = json.loads(ln)
        kind = "table" if "rules_table" in x else "error" if "errors" in x else "assessment"
        jsonschema.Draft202012Validator(kinds[kind]).validate(x)
        for other in set(kinds) - {kind}:            # each kind is told apart by its schema
            assert not jsonschema.Draft202012Validator(kinds[other]).is_valid(x)
        seen.append(kind)
    assert seen == ["table", "assessment", "error", "table", "assessment"]


def test_each_run_in_one_process_writes_its_tables_again(run):
    # a worker remembers which tables it has sent; a second batch in the same process (a server,
    # a test) must not take that for the new stream's
    first = run("assess", GOOD[0], "--format", "jsonl")
    second = run("assess", GOOD[0], "--format", "jsonl")
    assert first.stdout_bytes == second.stdout_bytes
    assert len(lines(second.stdout)) == 1 and isinstance(lines(second.stdout)[0]["rules"], dict)


def test_read_lines_refuses_a_changed_table_and_a_table_never_given(run):
    r = run("assess", GOOD[0], "--format", "jsonl")
    table, record = r.stdout.splitlines()
    changed = table.replace("個人情報保護委員会", "個人情報保護委員", 1)
    assert changed != table
    with pytest.raises(ValueError, match=r"line 1: the rules table does not match its SHA-256"):
        lines(changed + "\n" + record)
    with pytest.raises(ValueError, match=r"line 2: names rules table [0-9a-f]{64}, which no earlier"):
        lines("\n" + record)
    with pytest.raises(ValueError, match=r"line 1: not JSON"):
        lines(record[:100])


def test_two_workers_give_the_same_bytes_as_one(run, tmp_path):
    folder = tmp_path / "incidents"
    folder.mkdir()
    for i in range(12):                        # enough to give both workers several chunks
        src = GOOD[i % len(GOOD)]
        shutil.copy(src, folder / f"{i:02d}-{src.name}")
    shutil.copy(BAD / "count_hex.yaml", folder / "05b-bad.yaml")
    one = run("assess", folder)
    two = run("assess", folder, "--jobs", "2")
    assert one.code == two.code == 2
    assert one.stdout_bytes == two.stdout_bytes and one.stderr == two.stderr
    names = [ln.get("incident", {}).get("file") or ln.get("file") for ln in lines(one.stdout)]
    assert names == [str(p) for p in sorted(folder.iterdir())]      # sorted, folder order


def test_a_bad_file_is_reported_and_the_others_are_assessed(run):
    r = run("assess", GOOD[0], BAD / "count_hex.yaml", GOOD[1], BAD / "date_out_of_range.yaml")
    assert r.code == 2
    got = lines(r.stdout)
    assert len(got) == 4
    assert "conclusions" in got[0] and "conclusions" in got[2]
    assert got[1]["file"] == "tests/bad/count_hex.yaml" and got[1]["exit_code"] == 2
    (err,) = got[1]["errors"]
    assert (err["file"], err["line"], err["kind"]) == ("tests/bad/count_hex.yaml", 4, "number")
    assert "write 1500" in err["hint"]
    assert got[3]["errors"][0]["line"] == 4
    assert r.stderr.splitlines() == [
        ln for ln in r.stderr.splitlines() if ln.startswith(("tests/bad/count_hex.yaml:4: ",
                                                             "tests/bad/date_out_of_range.yaml:4: "))]
    assert len(r.stderr.splitlines()) == 2 and "Traceback" not in r.stderr


def test_an_engine_fault_in_one_file_is_exit_3_and_the_rest_go_on(run, monkeypatch):
    from engine.assess import Engine
    real = Engine.assess

    def flaky(self, doc, as_of=None):
        if doc.path.endswith("open_questions.yaml"):
            raise EngineError("simulated durable failure")
        return real(self, doc, as_of)
    monkeypatch.setattr(Engine, "assess", flaky)
    r = run("assess", INCIDENTS / "card_leak.yaml", INCIDENTS / "open_questions.yaml",
            BAD / "count_hex.yaml")
    assert r.code == 3                              # the worst outcome wins
    got = lines(r.stdout)
    assert "conclusions" in got[0] and got[1]["exit_code"] == 3 and got[2]["exit_code"] == 2
    assert "engine fault: simulated durable failure" in got[1]["errors"][0]["message"]


def test_stdin_takes_its_place_in_the_order():
    result = CliRunner().invoke(cli.main, ["assess", str(GOOD[0]), "-", str(GOOD[1]), "--jobs", "2"],
                                input=GOOD[2].read_bytes(), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    got = lines(result.stdout)
    assert [g["incident"]["file"] for g in got][1] == "<stdin>"
    assert got[1]["incident"]["id"] == lines(CliRunner().invoke(
        cli.main, ["assess", str(GOOD[2]), "--format", "jsonl"]).stdout)[0]["incident"]["id"]


def test_one_file_as_jsonl_is_its_table_and_its_assessment(run):
    r = run("assess", GOOD[0], "--format", "jsonl")
    assert r.code == 0 and len(r.stdout.splitlines()) == 2
    assert r.stdout.startswith('{"rules":{') and len(lines(r.stdout)) == 1
    assert lines(r.stdout)[0] == json.loads(run("assess", GOOD[0], "--format", "json").stdout)


@pytest.mark.parametrize("args,words", [
    (["--format", "text"], ["--format: several incidents are written as JSON Lines, not text",
                            "use --format jsonl"]),
    (["--as-of", "2024-13-01"], ["--as-of: '2024-13-01' is not a real calendar date"]),
])
def test_batch_usage_errors_are_one_message(run, args, words):
    r = run("assess", GOOD[0], GOOD[1], *args)
    assert r.code == 2 and r.stdout == ""
    assert len(r.stderr.splitlines()) == 1
    for w in words:
        assert w in r.stderr


def test_a_folder_without_incidents(run, tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here\n", encoding="utf-8")
    r = run("assess", tmp_path, GOOD[0])
    assert r.code == 2 and r.stdout == ""
    assert r.stderr == (f"{tmp_path}: no incident files (*.yaml, *.yml) in this folder — give YAML "
                        "files or a folder that holds some\n")


def test_the_benchmarks_generated_incidents_are_all_assessed(run, tmp_path):
    # benchmarks/make_incidents.py feeds the batch figure: an incident it writes that the reader
    # refuses (derived facts written back, a reference that breaks once moved) makes the figure
    # measure error records instead of assessments
    import sys
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from make_incidents import make
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    folder = tmp_path / "generated"
    make(120, folder)
    r = run("assess", str(folder), "--format", "jsonl")
    assert r.code == 0, r.stderr[-500:]
    records = lines(r.stdout)
    assert len(records) == 120 and not [x for x in records if "errors" in x]


def test_a_spooled_line_is_copied_out_whole_to_a_file_and_to_a_stream(tmp_path):
    # engine/batch.py: a worker's line travels as (file, offset, length); the parent copies it out
    # with os.sendfile to a real file, or by reading it back for a stream without a descriptor
    import io

    from engine import batch
    spool = tmp_path / "spool.jsonl"
    spool.write_bytes(b'{"a":1}\n{"b":"\xe6\x97\xa5\xe6\x9c\xac"}\n{"c":3}\n')
    outcome = batch.Outcome(b"", (), 0, (str(spool), 8, len('{"b":"日本"}'.encode()) + 1))
    with open(tmp_path / "out", "wb") as out:
        out.write(b"before\n")                  # buffered: must come out first
        stream = batch.Stream(out)
        stream.write(outcome)
        stream.write(batch.Outcome(b'{"d":4}', (), 0))
    assert (tmp_path / "out").read_bytes() == b'before\n{"b":"\xe6\x97\xa5\xe6\x9c\xac"}\n{"d":4}\n'
    memory = io.BytesIO()
    batch.Stream(memory).write(outcome)
    assert memory.getvalue() == '{"b":"日本"}\n'.encode()


def test_a_table_two_workers_both_send_is_written_once(tmp_path):
    # each worker sends a table with its own first line that names it; the parent writes it once,
    # whether the table came spooled (skipping its bytes in the spool) or in memory
    import io

    from engine import batch
    t, r1, r2 = b'{"rules":{},"rules_table":"ab"}', b'{"rules":"ab","n":1}', b'{"rules":"ab","n":2}'
    spool = tmp_path / "spool.jsonl"
    spool.write_bytes(t + b"\n" + r1 + b"\n" + t + b"\n" + r2 + b"\n")
    first = batch.Outcome(b"", (), 0, (str(spool), 0, len(t) + len(r1) + 2), "ab", len(t) + 1)
    second = batch.Outcome(b"", (), 0, (str(spool), len(t) + len(r1) + 2, len(t) + len(r2) + 2),
                           "ab", len(t) + 1)
    in_memory = batch.Outcome(r2, (), 0, None, "ab", t)
    for outcomes in ([first, second], [first, in_memory], [in_memory, second]):
        out = io.BytesIO()
        stream = batch.Stream(out)
        for o in outcomes:
            stream.write(o)
        assert out.getvalue().count(t) == 1 and out.getvalue().startswith(t + b"\n")
        assert len(out.getvalue().splitlines()) == 3
    with pytest.raises(RuntimeError, match="rules table ab named before it was written"):
        batch.Stream(io.BytesIO()).write(batch.Outcome(r1, (), 0, None, "ab"))


def test_a_line_is_compact_json_of_the_assessment_naming_its_table_by_sha256(assess):
    # batch.dumps writes the rules table (and the other parts every assessment of a KB and day
    # shares) from the text remembered for it: the same bytes as writing the whole document,
    # with the table's SHA-256 in place of the table
    import hashlib

    from engine import batch
    from engine.jsonfast import compact_bytes
    docs = [assess(n) for n in ("card_leak", "open_questions", "card_leak", "misdelivery_300")]
    assert docs[0]["rules"] is docs[1]["rules"]               # shared: the case the memo serves
    for doc in [*docs, dict(docs[0], rules={"x": {"label": "改"}})]:    # and a table not seen
        sha = hashlib.sha256(compact_bytes(doc["rules"])).hexdigest()
        assert batch.dumps(doc) == (compact_bytes(dict(doc, rules=sha)), sha,
                                    compact_bytes({"rules": doc["rules"], "rules_table": sha}))
    assert batch.dumps({"errors": []}) == (compact_bytes({"errors": []}), None, None)


def test_a_batch_reads_the_kb_files_once_not_once_per_input(monkeypatch, tmp_path):
    # one KB for the whole batch, as its files were when it started (cli._stamp walks rules/)
    walked = []
    real = cli._stamp
    monkeypatch.setattr(cli, "_stamp", lambda d: walked.append(d) or real(d))
    r = CliRunner().invoke(cli.main, ["assess", *map(str, GOOD[:5])])
    assert r.exit_code == 0, r.output
    assert len(lines(r.stdout)) == 5
    assert 1 <= len(walked) <= 2                # the batch's engine (and the workers' warm-up)
