"""appi-kb: the command line (click). Run as `appi-kb …` once installed, or `python cli.py …`.

Every command builds its whole output first and writes it at the end, so bad input never leaves a
partial answer on stdout. Errors go to stderr as one line each: `file:line: message — what to do`.
"""
from __future__ import annotations

import datetime as _dt
import os
import re
import stat
import sys
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from engine import __version__
from engine.errors import EngineError, InputError, InputErrors
from engine.schemas import suggest

if TYPE_CHECKING:
    from engine.assess import Engine
    from engine.yamlio import Doc

# The engine and renderers are imported inside the commands: `--help` and usage errors stay fast
# (loading durable-rules and the KB takes a moment).

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_ENGINE = 0, 1, 2, 3

EXIT_CODES = """\b
Exit codes:
  0  done
  1  fixtures failed (test), coverage gaps (coverage), surviving mutants (mutate)
  2  bad input: a file, a rule, a fact, a date or an option; each problem
     is one line on stderr, `file:line: message — what to fix`
  3  engine fault (a bug, not your input); set APPI_KB_DEBUG=1 for details"""

LANG = click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
                    help="Language of the output (ja: Japanese, en: English).")
AS_OF = click.option("--as-of", "as_of", metavar="YYYY-MM-DD",
                     help="Assess with the rules in force on this date (default: the date the "
                          "business learned of the event, from the incident).")
TODAY = click.option("--today", "today", metavar="YYYY-MM-DD", envvar="APPI_KB_TODAY",
                     help="The day \"due in N days\" and \"passed\" count from (default: env "
                          "APPI_KB_TODAY, else the --as-of date if given, else the system date).")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RULES_KEY = "appi_kb.rules"


def _set_rules(ctx: click.Context, _param, value: str | None) -> None:
    """--rules on the group or on a command (the command's wins); APPI_KB_RULES fills it in."""
    if value not in (None, ""):
        source = ctx.get_parameter_source("rules")
        from_env = source is not None and source.name == "ENVIRONMENT"
        if not (from_env and _RULES_KEY in ctx.meta):       # an explicit --rules stays
            ctx.meta[_RULES_KEY] = (value, "APPI_KB_RULES" if from_env else "--rules")


RULES = click.option("--rules", metavar="DIR", envvar="APPI_KB_RULES", expose_value=False,
                     callback=_set_rules, is_eager=True,
                     help="The knowledge base to use: a rules folder holding kb.yaml (or a "
                          "project folder with rules/). Default: $APPI_KB_RULES, else the KB "
                          "beside this program. Fixtures and examples are the folders beside it.")


# ---- output and errors ------------------------------------------------------------------------
def _write(text: str, err: bool = False) -> None:
    """UTF-8 whatever the terminal's locale, so the same input gives the same bytes."""
    stream = sys.stderr if err else sys.stdout
    try:
        stream.flush()
        stream.buffer.write(text.encode("utf-8"))
        stream.buffer.flush()
    except BrokenPipeError:           # `appi-kb rules | head`: the reader left; not an error
        sys.stderr = open(os.devnull, "w")
        raise click.exceptions.Exit(EXIT_OK) from None


def _write_bytes(stream, outcome) -> None:
    """One batch JSON line (engine/batch.py: bytes, or where a worker spooled them), to stdout."""
    try:
        sys.stdout.flush()
        stream.write(outcome)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        sys.stderr = open(os.devnull, "w")
        raise click.exceptions.Exit(EXIT_OK) from None


def _fail(lines: list[str], code: int) -> NoReturn:
    _write("".join(line + "\n" for line in lines), err=True)
    raise click.exceptions.Exit(code)


def _input_error(message: str, where: str, hint: str | None = None) -> InputError:
    """An error about a command-line value; `where` names the option or argument."""
    return InputError(message, file=where, hint=hint, kind="usage")


class _Group(click.Group):
    """Turns InputError / EngineError raised by any command into the documented exit codes."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InputErrors as exc:
            _fail([str(e) for e in exc.errors], EXIT_INPUT)
        except InputError as exc:
            _fail([str(exc)], EXIT_INPUT)
        except EngineError as exc:
            _fail([f"engine fault: {exc} — this is a bug in appi-kb, not in your input; "
                   "please report it with the incident file"], EXIT_ENGINE)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:          # a bug: one line, unless asked for the traceback
            if os.environ.get("APPI_KB_DEBUG"):
                raise
            _fail([f"internal error: {type(exc).__name__}: {exc} — this is a bug in appi-kb; "
                   "rerun with APPI_KB_DEBUG=1 for the traceback and report it"], EXIT_ENGINE)


def parse_date(value: str | None, where: str = "--as-of") -> _dt.date | None:
    if value is None:
        return None
    from engine.errors import quote
    from engine.schemas import DateOutOfRange, check_date_range
    if not _DATE.match(value):
        raise _input_error(f"{quote(value)} is not a date in the form YYYY-MM-DD", where,
                           "write the date as YYYY-MM-DD, e.g. 2024-04-01")
    try:
        day = _dt.date.fromisoformat(value)
        check_date_range(day)
        return day
    except DateOutOfRange as exc:
        raise _input_error(f"{quote(value)}: {exc}", where, "check the year") from None
    except ValueError:
        raise _input_error(f"{quote(value)} is not a real calendar date", where,
                           "write an existing date as YYYY-MM-DD, e.g. 2024-04-01") from None


def resolve_today(today: str | None, as_of: str | None) -> _dt.date:
    """The TEAM convention: --today (or APPI_KB_TODAY), else --as-of, else the system date."""
    if today:
        return parse_date(today, "--today")
    if as_of:
        return parse_date(as_of)
    return _dt.date.today()


# ---- the knowledge base and the engine, loaded once per process -------------------------------
def _rules_dir() -> Path:
    """The KB this invocation uses (--rules, APPI_KB_RULES, or the one beside the code)."""
    from engine.paths import kb_dir
    ctx = click.get_current_context(silent=True)
    chosen, where = (ctx.meta.get(_RULES_KEY) if ctx is not None else None) or (None, "")
    path = kb_dir(chosen or "")
    if not (path / "kb.yaml").is_file():
        raise _input_error(f"no knowledge base at '{chosen or path}' (no kb.yaml there)",
                           where or str(path),
                           "give the rules folder that holds kb.yaml, or the project folder above it")
    return path


def _stamp(rules_dir: Path) -> tuple:
    """What the KB's files look like now (name, size, mtime): a process that runs several
    commands (tests, a server) must not keep serving a KB whose files were edited meanwhile."""
    out = []
    for dirpath, _dirs, files in os.walk(rules_dir):       # (os.walk: a third of rglob's cost)
        for name in files:
            path = os.path.join(dirpath, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                out.append((path, st.st_size, st.st_mtime_ns))
    return tuple(sorted(out))


@lru_cache(maxsize=4)
def _engine_cached(rules_dir: Path, _stamp: tuple) -> "Engine":
    from engine.assess import Engine
    return Engine(rules_dir=rules_dir)


def _engine_at(rules_dir: Path) -> "Engine":
    return _engine_cached(rules_dir, _stamp(rules_dir))


_BATCH: dict = {}       # "engine": the engine every input of the running batch uses


def _engine() -> "Engine":
    return _engine_at(_rules_dir())


def _kb_label(kb) -> str:
    """How every output names the KB it used: id, version and where it was loaded from."""
    from engine.paths import where
    return f"{kb.id} {kb.version} ({where(kb.root)})"


def _kb_line(kb, lang: str) -> str:
    from engine.render.messages import msg
    from engine.render.view import colon
    return f"\n{msg(lang, 'r.kb')}{colon(lang)}{_kb_label(kb)}\n"


def _kb_json(kb) -> dict:
    from engine.paths import where
    return {"id": kb.id, "version": kb.version, "dir": where(kb.root), "sha256": kb.files_hash}


def _sections(engine: "Engine") -> list[dict]:
    return [{"id": s.id, "title": s.title}
            for s in sorted(engine.kb.sections.values(), key=lambda s: s.order)]


def load_incident(path: Path) -> "Doc":
    """The incident at `path`, validated; a fixture or rule file given by mistake is named as such."""
    from engine.paths import display
    from engine.schemas import validate_doc
    from engine.yamlio import load_yaml
    doc = load_yaml(path, display(path))
    ref = doc.data.get("$schema") if isinstance(doc.data, dict) else None
    kind = "incident"
    if ref is not None and not (isinstance(ref, str) and ref.endswith("/incident.schema.json")):
        from engine.validate import kind_of     # (a fixture or rule file given by mistake)
        kind = kind_of(doc)
    if kind != "incident":
        hint = {"fixture": f"run `appi-kb test {path}`, or use its `incident:` part as an incident file"}
        raise doc.error(("$schema",), f"this is a {kind} file, not an incident",
                        hint.get(kind, f"check it with `appi-kb validate {path}`"), kind="usage")
    validate_doc(doc, "incident")
    return doc


def load_incident_or_fixture(path: Path) -> tuple["Doc", _dt.date | None]:
    """An incident, or a fixture's incident with the fixture's own `as_of` (explain, verify)."""
    from engine.fixtures import load_fixture
    from engine.paths import display
    from engine.validate import kind_of
    from engine.yamlio import load_yaml
    if kind_of(load_yaml(path, display(path))) == "fixture":
        fx = load_fixture(path)
        return fx.incident, fx.as_of
    return load_incident(path), None


def _assess(incident: str, as_of: str | None, fixture_ok: bool = False) -> tuple["Engine", dict]:
    day = parse_date(as_of)
    if fixture_ok:
        doc, own = load_incident_or_fixture(Path(incident))
        day = day or own
    else:
        doc = load_incident(Path(incident))
    engine = _BATCH.get("engine") or _engine()
    try:
        return engine, engine.assess(doc, day)
    except InputErrors:
        raise
    except InputError as exc:         # e.g. no assessment date: say which file (or option) it is about
        if exc.file is None:
            exc.file = "--as-of" if (day and exc.kind == "as_of") else doc.path
        raise


def _assess_one_line(incident: str, as_of: str | None):
    """One input of a batch, as a JSON line or an error record (engine/batch.py). Runs in a
    worker process: every outcome is returned, nothing is raised, nothing is printed."""
    from engine.batch import error_outcome, line
    from engine.paths import display
    name = display(incident)
    try:
        _, a = _assess(incident, as_of)
        return line(a)
    except InputErrors as exc:
        return error_outcome(name, exc.errors, EXIT_INPUT)
    except InputError as exc:
        return error_outcome(name, [exc], EXIT_INPUT)
    except EngineError as exc:
        return error_outcome(name, [InputError(
            f"engine fault: {exc} — this is a bug in appi-kb, not in your input; please report "
            "it with the incident file", file=name, kind="engine")], EXIT_ENGINE)
    except Exception as exc:          # noqa: BLE001 -- a bug: this input fails, the others go on
        if os.environ.get("APPI_KB_DEBUG"):
            raise
        return error_outcome(name, [InputError(
            f"internal error: {type(exc).__name__} — this is a bug in appi-kb; rerun this file "
            "with APPI_KB_DEBUG=1 for the traceback and report it", file=name, kind="internal")],
            EXIT_ENGINE)


def _assess_many(incidents: tuple[str, ...], as_of: str | None, fmt: str | None, jobs: int) -> None:
    """Several incidents (or a folder): JSON Lines, one per input, in input order."""
    from functools import partial

    from engine import batch
    if fmt not in (None, "jsonl"):
        raise _input_error(f"several incidents are written as JSON Lines, not {fmt}", "--format",
                           "use --format jsonl (the default for several files), or give one file")
    parse_date(as_of)                          # a bad --as-of is one error, not one per file
    items = batch.expand(list(incidents))
    code = EXIT_OK
    # one KB for the whole batch, as its files were when it started: every line answers from
    # the same rules (and the files are not walked again for each input)
    _BATCH["engine"] = _engine()
    stream = batch.Stream(sys.stdout.buffer)
    try:
        for outcome in batch.run(items, partial(_assess_one_line, as_of=as_of), jobs,
                                 warm=_engine):
            if outcome.messages:
                _write("".join(m + "\n" for m in outcome.messages), err=True)
            _write_bytes(stream, outcome)
            code = max(code, outcome.code)
    finally:
        _BATCH.clear()
    if code:
        raise click.exceptions.Exit(code)


# ---- commands ---------------------------------------------------------------------------------
@click.group(cls=_Group, epilog=EXIT_CODES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="appi-kb")
@RULES
def main() -> None:
    """appi-kb: the data-breach duties of Japan's APPI (個人情報保護法), as data.

    \b
    Describe an incident in YAML, then:
      appi-kb assess incident.yaml            what must be done, by when, and why
      appi-kb explain incident.yaml           the derivation behind each conclusion
      appi-kb validate                        check the rules, fixtures and examples
      appi-kb test                            run the documented examples (fixtures)
      appi-kb rules [ID]                      the catalog of rules and their sources
      appi-kb cite CLAUSE                     the rules citing a clause, with quotes
      appi-kb coverage                        which examples, clauses and rules the fixtures cover
      appi-kb mutate                          do the fixtures catch a broken rule?
      appi-kb catalog --out DIR               the catalog as a static site, with search
      appi-kb schemas                         editor schemas with the KB's names, modelines

    \b
    Every command takes --rules DIR (or APPI_KB_RULES=DIR) to use another knowledge base
    than the one beside this program, and names the KB it used in its output.
    """


@main.command()
@RULES
@click.argument("incidents", metavar="INCIDENT...", nargs=-1, required=True)
@AS_OF
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "jsonl"]),
              default=None, help="text for people (default for one file), json for tools "
              "(schemas/assessment.schema.json), markdown for reports, jsonl: one assessment "
              "per line, each rules table once on its own line and named by its SHA-256 "
              "(default, and the only format, for several files or a folder).")
@click.option("--jobs", type=click.IntRange(min=0), default=1, show_default=True, metavar="N",
              help="Worker processes for several incidents (0: one per CPU).")
@click.option("--full", is_flag=True, help="The whole report after the one-screen answer: every "
              "section, the action plan, all open points, judgments, sources and the receipt.")
@click.option("--section", "only", multiple=True, metavar="NAME",
              help="Only this part (repeatable): decision, dates, next, attention, a section such "
                   "as report, notice or measures, exceptions, questions, reviews, sources "
                   "(with the verbatim quotes), receipt.")
@click.option("--codes", is_flag=True,
              help="Show each conclusion's code beside its label (text, markdown), e.g. "
                   "確報 [report.final], the name `appi-kb explain` takes.")
@TODAY
@LANG
def assess(incidents: tuple[str, ...], as_of: str | None, fmt: str | None, jobs: int, full: bool,
           only: tuple[str, ...], codes: bool, today: str | None, lang: str) -> None:
    """Assess INCIDENT (a YAML file): the duty to report to the PPC and on which grounds, the
    速報/確報 dates, notice to the individuals, exceptions, open questions — each with its clause.

    The text and Markdown answer fits one screen: the decision for each duty with its clause,
    the dates counted against today, what to do next and the questions that matter most. --full
    adds everything else; --section picks parts; JSON always carries everything.

    \b
    Example:
      appi-kb assess incident.yaml
      appi-kb assess incident.yaml --full --format markdown > report.md
      appi-kb assess incident.yaml --section measures --today 2024-04-03
      appi-kb assess incident.yaml --format json > assessment.json
      appi-kb assess incident.yaml --as-of 2024-03-31 --lang en
      appi-kb assess incidents/ --jobs 2 > assessments.jsonl
      cat incident.yaml | appi-kb assess -
    """
    from engine.render import render
    from engine.render.view import block_names
    day = resolve_today(today, as_of)
    batch = len(incidents) > 1 or any(i != "-" and Path(i).is_dir() for i in incidents)
    if batch or fmt == "jsonl":
        _assess_many(incidents, as_of, fmt, jobs)
        return
    (incident,) = incidents
    engine, a = _assess(incident, as_of)
    fmt = fmt or "text"
    sections = _sections(engine)
    names = block_names(a, sections)
    for name in only:
        if name not in names:
            guess = suggest(name, names)
            raise _input_error(f"unknown section '{name}'", "--section",
                               f"did you mean '{guess}'?" if guess else "one of: " + ", ".join(names))
    if codes and fmt != "json":
        from engine.render.codes import with_codes
        a = with_codes(a)
    _write(render(a, fmt, lang, sections, full=full, only=list(only) or None, today=day))


@main.command()
@RULES
@click.argument("incident", metavar="INCIDENT")
@click.argument("conclusion", metavar="[CONCLUSION]", required=False)
@AS_OF
@LANG
def explain(incident: str, conclusion: str | None, as_of: str | None, lang: str) -> None:
    """Show why: for CONCLUSION (a code such as report_duty; default: the headline conclusions),
    each rule that yields it (id@version, file:line), its verbatim citations, the facts it matched,
    the parameters it read (value, version, citation), the deadline arithmetic step by step, the
    conclusions it rests on (recursively) and the exceptions weighed. INCIDENT may be a fixture
    (its incident, on its own date).

    \b
    Example:
      appi-kb explain incident.yaml
      appi-kb explain incident.yaml reg7.item4 --lang en
      appi-kb explain fixtures/se-05-card-number-only.yaml report.final
    """
    from engine.render import explain as explain_render
    engine, a = _assess(incident, as_of, fixture_ok=True)
    present = [c["code"] for c in a["conclusions"]]
    if conclusion is None:      # the headlines this input is about (a request file: the request's)
        codes = [c["code"] for c in a["conclusions"] if c["headline"] and c["displayed"]]
    elif conclusion in present:
        codes = [conclusion]
    elif conclusion in engine.kb.conclusions:
        raise _input_error(f"conclusion '{conclusion}' has no rule in force on {a['as_of']}",
                           "CONCLUSION", "choose another --as-of, or see `appi-kb rules`")
    else:
        guess = suggest(conclusion, sorted(engine.kb.conclusions))
        raise _input_error(f"unknown conclusion '{conclusion}'", "CONCLUSION",
                           f"did you mean '{guess}'?" if guess else
                           "use a conclusion code such as " + ", ".join(
                               c["code"] for c in a["conclusions"] if c["headline"]))
    _write(explain_render.render(a, codes, lang))


_NOUNS = {"draft": "draft template", "kb": "KB manifest", "rule": "rule file", "fixture": "fixture", "incident": "incident",
          "pending": "pending amendment",
          "file": "unreadable file"}


@main.command()
@RULES
@click.argument("paths", nargs=-1, metavar="[PATHS]...")
@click.option("--quiet", "-q", is_flag=True,
              help="Print only errors (and the closing line, which still counts the warnings).")
def validate(paths: tuple[str, ...], quiet: bool) -> None:
    """Check rules, fixtures and incidents: schemas, duplicate ids, references to unknown rules,
    conclusions or facts, overlapping versions, parameter gaps, and (by compiling the rules in
    force on every date a version starts or ends) dependency cycles and engine limits.

    With no PATHS: the whole knowledge base, every fixture and every incident under examples/.
    With PATHS (files or folders): each file as its `$schema` says (rule, kb, fixture; a mapping
    without `$schema` is an incident). Unverified citations are listed as warnings (--quiet
    leaves them out).

    \b
    Example:
      appi-kb validate
      appi-kb validate --quiet
      appi-kb validate rules/law/appi/art26.yaml my-incident.yaml
    """
    from engine import validate as v
    from engine.paths import beside
    root = _rules_dir()
    report = (v.validate_paths([Path(p) for p in paths], root) if paths else
              v.validate_project(root, beside(root, "fixtures"), beside(root, "examples")))
    errors = report.sorted_errors()
    lines = [] if quiet else [f"note: {n}" for n in report.notes]
    lines += [] if quiet else [f"warning: {w}" for w in report.warnings]
    if report.warnings and not quiet:
        lines.append(f"{len(report.warnings)} warning(s): unverified citations (quotes that could "
                     "not be checked against an official text in sources/; each says why)")
    if report.engine and not quiet:
        from engine.limits import headroom_lines
        lines += headroom_lines(report.engine)
    lines += [ln for e in errors for ln in e.lines()]      # root causes, knock-ons under them
    if lines:
        _write("".join(ln + "\n" for ln in lines), err=True)
    checked = ", ".join(f"{n} {_NOUNS.get(kind, kind)}{'' if n == 1 else 's'}"
                        for kind, n in sorted(report.checked.items()))
    dates = f"; compiled on {len(report.compiled_on)} date(s)" if report.compiled_on else ""
    verdict = "FAILED" if errors else "OK"
    knock_on = sum(len(e.followups) for e in errors)
    follow = f" (and {knock_on} that follow from them)" if knock_on else ""
    kb = f"; knowledge base {report.kb_label}" if report.kb_label else ""
    _write(f"{verdict}: checked {checked or 'nothing'}{dates}{kb}: "
           f"{len(errors)} error(s){follow}, {len(report.warnings)} warning(s)\n")
    if errors:
        raise click.exceptions.Exit(EXIT_INPUT)


@main.command()
@RULES
@click.argument("paths", nargs=-1, metavar="[PATHS]...")
def test(paths: tuple[str, ...]) -> None:
    """Run the fixture regression: assess each documented example and check its expectations
    (statuses, rules, exceptions, citations, questions, dates). Ends with `N passed, N failed`.

    PATHS: fixture files or folders (default: fixtures/).

    \b
    Example:
      appi-kb test
      appi-kb test fixtures/se-05-card-number.yaml
    """
    from engine.fixtures import fixture_files, load_fixtures_each, run_fixture
    from engine.paths import beside, display
    from engine.render.messages import msg
    engine = _engine()
    default = beside(engine.kb.root, "fixtures")
    targets = [Path(p) for p in paths] or ([default] if default.is_dir() else [])
    fixtures, problems = load_fixtures_each(targets) if targets else ([], [])
    if not fixtures and not problems:
        _write("warning: no fixtures found\n", err=True)
    # every file gets its line, in file order: a malformed one is reported and the rest still run
    order = {display(p): i for i, p in enumerate(fixture_files(targets))} if targets else {}
    entries: list[tuple[int, int, list[str]]] = []
    passed = failed = 0
    for fx in fixtures:
        result = run_fixture(engine, fx)
        if result.passed:
            passed += 1
            entries.append((order.get(fx.file, 0), 0, [f"PASS {fx.id}"]))
        else:
            failed += 1
            entries.append((order.get(fx.file, 0), 0, [f"FAIL {fx.id} ({fx.file})"]
                            + [f"    {f}" for f in result.failures]))
    bad: list[str] = []             # stderr: one line per problem, as for any bad input
    for file, exc in sorted(problems, key=lambda p: order.get(p[0], 0)):
        bad += [str(e) for e in (exc.errors if isinstance(exc, InputErrors) else [exc])]
        entries.append((order.get(file, 0), 1, [f"ERROR {file} (not run: malformed, see stderr)"]))
    out = [ln for _, _, lines in sorted(entries, key=lambda e: (e[0], e[1])) for ln in lines]
    out.append(f"knowledge base: {_kb_label(engine.kb)}")
    out.append(msg("en", "t.summary", passed=passed, failed=failed + len(problems)))
    _write("\n".join(out) + "\n")
    if problems:
        _fail(bad, EXIT_INPUT)
    if failed:
        raise click.exceptions.Exit(EXIT_FAILED)


@main.command()
@RULES
@click.argument("rule_id", metavar="[ID]", required=False)
@LANG
def rules(rule_id: str | None, lang: str) -> None:
    """List every rule and parameter (id, kind, versions, label) grouped by its source file, or
    show rule ID in full (each version's condition, conclusion, exceptions, judgment and
    citations), or parameter ID (each version's value, validity and citations, and the rules
    that read it).

    \b
    Example:
      appi-kb rules
      appi-kb rules act26-1.proviso --lang en
      appi-kb rules reg7.item4.threshold
    """
    from engine.render import catalog
    kb = _engine().kb
    if rule_id is None:
        _write(_kb_line(kb, lang).lstrip("\n") + "\n" + catalog.render_list(kb, lang))
        return
    if rule_id in kb.parameters:
        _write(catalog.render_param(kb, rule_id, lang) + _kb_line(kb, lang))
        return
    if rule_id not in kb.rules:
        guess = suggest(rule_id, sorted(kb.rules) + sorted(kb.parameters))
        raise _input_error(f"unknown rule or parameter id '{rule_id}'", "ID",
                           f"did you mean '{guess}'?" if guess else "run `appi-kb rules` for the list")
    _write(catalog.render_rule(kb, rule_id, lang) + _kb_line(kb, lang))


FORMAT_TJ = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                         show_default=True, help="text for people, json for tools.")


def _run_fixtures():
    """Every fixture beside the KB, run once per process (cite, coverage and mutate start here)."""
    root = _rules_dir()
    return _fixtures_at(root, _stamp(root), _stamp(beside_fixtures(root)))


def beside_fixtures(root: Path) -> Path:
    from engine.paths import beside
    return beside(root, "fixtures")


@lru_cache(maxsize=2)
def _fixtures_at(rules_dir: Path, _kb_stamp: tuple, _fixtures_stamp: tuple):
    from engine.fixtures import load_fixtures, run_fixture
    from engine.paths import beside
    folder = beside(rules_dir, "fixtures")
    fixtures = load_fixtures([folder]) if folder.is_dir() else []
    engine = _engine_at(rules_dir)
    return engine, fixtures, [run_fixture(engine, fx) for fx in fixtures]


def _json(data) -> str:
    import json
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


@main.command()
@RULES
@FORMAT_TJ
@LANG
def coverage(fmt: str, lang: str) -> None:
    """Measure what the fixtures cover: for each seed example (SE-01…) the fixtures naming it; for
    each cited clause the rules and fixtures exercising it; for each rule version a fixture where
    it fires and one where it is relevant but does not; every citation still unverified.
    Exits 1 when an example or a rule version lacks coverage.

    \b
    Example:
      appi-kb coverage
      appi-kb coverage --format json > coverage.json
    """
    from engine.coverage import coverage as measure
    from engine.render.reports import coverage_text
    engine, fixtures, results = _run_fixtures()
    rep = measure(engine.kb, fixtures, results).as_dict()
    rep["kb"] = _kb_json(engine.kb)
    _write(_json(rep) if fmt == "json" else coverage_text(rep, _kb_label(engine.kb), len(fixtures), lang))
    if rep["problems"]:
        raise click.exceptions.Exit(EXIT_FAILED)


@main.command()
@RULES
@click.argument("clause", metavar="CLAUSE")
@FORMAT_TJ
@LANG
def cite(clause: str, fmt: str, lang: str) -> None:
    """List the rules that cite CLAUSE, with the verbatim quote, its verification status and the
    fixtures in which each rule fires. CLAUSE is a clause name as the output shows it (法…条…項,
    規則…条…号, 通則GL 3-5-3-4, Q6-12), read leniently: full- or half-width digits, 第…条 or
    …条, 但書 or ただし書, with or without 法/規則. A clause also finds the rules citing its parts.
    CLAUSE may also be a rule or parameter id: its citations, version by version.

    \b
    Example:
      appi-kb cite Q6-12
      appi-kb cite "通則GL 3-5-3-4" --format json
      appi-kb cite reg7.item4.threshold
    """
    from engine.cite import lookup
    from engine.coverage import fixture_hits
    from engine.render.reports import cite_text
    engine = _engine()
    try:
        lookup(engine.kb, clause)            # an unknown clause fails before any fixture runs
    except InputError as exc:
        exc.file = "CLAUSE"
        raise
    _, _, results = _run_fixtures()
    res = lookup(engine.kb, clause, fixture_hits(results))
    res["kb"] = _kb_json(engine.kb)
    _write(_json(res) if fmt == "json" else
           cite_text(res, lang) + _kb_line(engine.kb, lang))


@main.command()
@RULES
@FORMAT_TJ
@LANG
@click.option("--rule", "rule_id", metavar="ID",
              help="Only the mutants of this rule (every version) or parameter.")
def mutate(fmt: str, lang: str, rule_id: str | None) -> None:
    """Mutation testing: break each rule in turn (it can never hold; an exception stops
    defeating; a judgment is dropped; a numeric parameter moves by one) and check that some
    fixture fails. A surviving mutant marks a missing fixture or a weak expectation.
    Exits 1 when a mutant survives. Takes a few minutes (one line of progress per mutant on
    stderr); --rule limits it to one rule or parameter.

    \b
    Example:
      appi-kb mutate
      appi-kb mutate --rule reg7.item4
    """
    from engine import mutate as mut
    from engine.coverage import fixture_hits
    from engine.render.reports import mutate_text
    engine = _engine()
    subjects = set(engine.kb.rules) | set(engine.kb.parameters)
    if rule_id is not None and rule_id not in subjects:
        guess = suggest(rule_id, sorted(subjects))
        raise _input_error(f"unknown rule or parameter id '{rule_id}'", "--rule",
                           f"did you mean '{guess}'?" if guess else "run `appi-kb rules` for the list")

    def selected(mutant_id: str) -> bool:
        return rule_id is None or mut.subject(mutant_id) == rule_id
    total = sum(1 for m in mut.mutants(engine.kb) if selected(m.id))
    _, fixtures, results = _run_fixtures()
    done = [0]

    def progress(o) -> None:          # stderr, as it happens: stdout is built whole at the end
        done[0] += 1
        verdict = f"killed by {o.killed_by}" if o.killed_by else "SURVIVED"
        _write(f"[{done[0]}/{total}] {o.mutant.id} {verdict}\n", err=True)
    outcomes = mut.run(engine.kb, fixtures, fixture_hits(results), progress, selected)
    data = [{"mutant": o.mutant.id, "kind": o.mutant.kind, "target": o.mutant.target,
             "file": o.mutant.file, "line": o.mutant.line, "killed_by": o.killed_by,
             "fixtures_run": o.tried} for o in outcomes]
    _write(_json(data) if fmt == "json" else
           mutate_text(data, lang) + _kb_line(engine.kb, lang))
    if any(not o["killed_by"] for o in data):
        raise click.exceptions.Exit(EXIT_FAILED)


@main.command()
@RULES
@click.argument("receipt_file", metavar="RECEIPT")
@click.argument("incident", metavar="INCIDENT")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text for people, json for tools.")
@LANG
def verify(receipt_file: str, incident: str, fmt: str, lang: str) -> None:
    """Re-run INCIDENT and check it against RECEIPT (the JSON of `assess --format json`, or its
    receipt): `identical`, or what differs — the conclusions, and why: the input, the KB's files,
    the release, the rule and parameter versions, the packages (holidays), the engine's code or
    the schemas. Exits 1 when the assessment differs.

    \b
    Example:
      appi-kb assess incident.yaml --format json > assessment.json
      appi-kb verify assessment.json incident.yaml
    """
    from engine import verify as ver
    receipt, body = ver.read_receipt(Path(receipt_file))
    as_of = receipt.get("as_of") if receipt.get("as_of_source") == "--as-of" else None
    _engine_, new = _assess(incident, as_of, fixture_ok=True)
    result = ver.compare(receipt, body, new)
    _write(_json(result) if fmt == "json" else ver.render_text(result, lang))
    if result["verdict"] != "identical":
        raise click.exceptions.Exit(EXIT_FAILED)


@main.command()
@RULES
@click.argument("ref_or_dir", metavar="[REF_OR_DIR]", required=False, default="HEAD")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD",
              help="Also compare every incident as of this date (the law in force then), besides "
                   "each on its own date.")
@click.option("--incidents", "incidents", metavar="PATH", multiple=True,
              help="A folder (or file) of incidents to compare too; may be repeated.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True, help="text for people, markdown for a review comment, json for tools.")
@LANG
def diff(ref_or_dir: str, as_of: str | None, incidents: tuple[str, ...], fmt: str, lang: str) -> None:
    """Compare the working knowledge base with the one at REF_OR_DIR (a git ref of the repository
    holding it, default HEAD; or a folder): the rules, rule versions, parameters, citations and
    labels added, changed or removed, and for every fixture, every example and the --incidents
    the conclusions whose status, values, deadlines or dates change — each incident on its own
    date and, with --as-of, on that date too. Exits 1 when any outcome changes.

    \b
    Example:
      appi-kb diff                               uncommitted changes against HEAD
      appi-kb diff main --as-of 2027-05-01       this branch against main, also as of that day
      appi-kb diff ../old-checkout --format markdown > review.md
    """
    from engine import diff as d
    from engine.assess import Engine
    from engine.paths import beside, where
    from engine.render import diff as render_diff
    day = parse_date(as_of)
    engine = _engine()
    work = engine.kb
    for path in incidents:
        if not Path(path).exists():
            raise _input_error(f"no such file or folder '{path}'", "--incidents")
    base = d.resolve_base(ref_or_dir, work.root)
    try:
        base_kb = d.load_base(base)
        cases, problems = d.cases(beside(work.root, "fixtures"), beside(work.root, "examples"),
                                  [Path(p) for p in incidents])
        doc = d.run(base_kb, work, Engine(kb=base_kb), engine, cases, day, base.label,
                    where(work.root))
    finally:
        base.cleanup()
    doc["problems"] = problems
    _write(d.dumps(doc) if fmt == "json" else
           render_diff.render_markdown(doc, lang) if fmt == "markdown" else
           render_diff.render_text(doc, lang))
    if doc["outcomes_changed"]:
        raise click.exceptions.Exit(EXIT_FAILED)


@main.command()
@RULES
@click.option("--version", "version", metavar="X.Y.Z",
              help="The version to release (default: kb.version when it is already ahead of the "
                   "last release, else the next patch; the first release: the next minor).")
@click.option("--bump", type=click.Choice(["patch", "minor", "major"]),
              help="Release the next patch, minor or major version after the last release.")
@click.option("--since", metavar="REF",
              help="The previous release, for the CHANGELOG (default: the commit that last wrote "
                   "kb.lock.json).")
@click.option("--relock", is_flag=True,
              help="Only regenerate kb.lock.json for the KB as it is, at its kb.version (after a "
                   "merge conflict in the lock); no version change, no CHANGELOG entry.")
@click.option("--today", metavar="YYYY-MM-DD",
              help="The release date for the CHANGELOG (default: APPI_KB_TODAY, else the system date).")
@LANG
def release(version: str | None, bump: str | None, since: str | None, relock: bool,
            today: str | None, lang: str) -> None:
    """Release the knowledge base: set kb.version, write rules/kb.lock.json (the content hash of
    every rule version and parameter version, and of every file) and add a CHANGELOG entry
    generated by `appi-kb diff` against the previous release. Refuses while `appi-kb validate`
    reports errors (a released version changed in place among them).

    \b
    Example:
      appi-kb release                     kb.version if ahead of the last release, else next patch
      appi-kb release --bump minor
      appi-kb release --relock            after a merge conflict in kb.lock.json
    """
    from engine import diff as d
    from engine import release as rel
    from engine import validate as v
    from engine.assess import Engine
    from engine.kbload import load_kb
    from engine.paths import beside, display
    root = _rules_dir()
    if relock:
        kb = load_kb(root)
        path = rel.write_lock(kb)
        lock = rel.build_lock(kb)
        _write(f"wrote {display(path)}: kb {kb.version} as the KB is now "
               f"({len(lock['rules'])} rule versions, {len(lock['parameters'])} parameter versions)\n")
        return
    report = v.validate_project(root, beside(root, "fixtures"), beside(root, "examples"))
    blocking = [e for e in report.sorted_errors() if e.kind != rel.UNBUMPED]
    if blocking:
        _fail(["release refused: `appi-kb validate` reports errors; fix them first"]
              + [str(e) for e in blocking], EXIT_INPUT)
    kb = load_kb(root)
    state = rel.check(kb)
    released = state.lock["kb_version"] if state.lock else None
    if version is not None:
        if rel.parse_version(version) is None:
            raise _input_error(f"'{version}' is not MAJOR.MINOR.PATCH", "--version",
                               "write three numbers, e.g. 0.3.0")
        new = version
    elif bump is not None:
        new = rel.bump(released or kb.version, bump)
    elif state.version_ahead:
        new = kb.version
    elif released is None:
        new = rel.bump(kb.version, "minor")
    elif state.status == "released":
        _write(f"nothing to release: the KB is release {released} (kb.lock.json matches)\n")
        return
    else:
        new = rel.bump(released, "patch")
    if released is not None and rel.parse_version(new) <= rel.parse_version(released):
        raise _input_error(f"version {new} is not above the last release {released}",
                           "--version" if version else "kb.version",
                           f"release {rel.bump(released, 'patch')} or later")
    ref = since or rel.last_release_commit(root)
    diff_doc, base_label = None, None
    if ref is not None:
        base = d.resolve_base(ref, root)
        try:
            base_kb = d.load_base(base)
            cases, _problems = d.cases(beside(root, "fixtures"), beside(root, "examples"), [])
            diff_doc = d.run(base_kb, kb, Engine(kb=base_kb), Engine(kb=kb), cases, None,
                             base.label, display(root))
            base_label = f"{base_kb.version} ({base.label})"
        finally:
            base.cleanup()
    rel.set_kb_version(root, new)
    kb = load_kb(root)
    lock_file = rel.write_lock(kb)
    day = parse_date(today or os.environ.get("APPI_KB_TODAY"), "--today") or _dt.date.today()
    log = rel.write_changelog(root, rel.changelog_entry(new, day, kb, diff_doc, base_label, lang))
    lock = rel.build_lock(kb)
    _write(f"released {kb.id} {new}: kb.version in {display(root / 'kb.yaml')}, "
           f"{display(lock_file)} ({len(lock['rules'])} rule versions, "
           f"{len(lock['parameters'])} parameter versions), {display(log)}\n"
           "commit these three files together\n")


@main.command()
@RULES
@click.option("--out", "out", metavar="DIR", required=True,
              help="Folder to write the site into (created; an earlier build is replaced).")
@click.option("--today", metavar="YYYY-MM-DD",
              help="The day that decides what is in force and what is coming (default: "
                   "APPI_KB_TODAY, else the system date).")
@LANG
def catalog(out: str, today: str | None, lang: str) -> None:
    """Write the catalog as a static site to DIR: a page per legal unit (official text, rules
    with their versions and validity, parameters with dated values, verification status, the
    fixtures that exercise each rule), the coming changes, and a search box. Open
    DIR/index.html in a browser; no server is needed.

    \b
    Example:
      appi-kb catalog --out build/catalog
      appi-kb catalog --out build/catalog-en --lang en
    """
    from engine import site
    from engine.paths import beside
    day = parse_date(today or os.environ.get("APPI_KB_TODAY"), "--today") or _dt.date.today()
    engine, fixtures, results = _run_fixtures()
    built = site.build_site(engine.kb, fixtures, results, lang, day,
                            site.official_texts(engine.kb, beside(_rules_dir(), "sources")),
                            site.coming_changes(engine.kb, day, lang))
    target = Path(out)
    if target.exists() and not target.is_dir():
        raise _input_error(f"'{out}' is a file, not a folder", "--out", "name a folder")
    written = site.write_site(built, target)
    pages = sum(1 for p in written if p.suffix == ".html")
    _write(f"wrote {pages} pages ({len(written)} files) to {target}; open "
           f"{target / 'index.html'}\nknowledge base: {_kb_label(engine.kb)}\n")


# ---- the responder's commands: drafts, deadlines, interview -----------------------------------
def _assessed(incident: str, as_of: str | None) -> tuple["Doc", dict]:
    """The incident document and its assessment."""
    day = parse_date(as_of)
    doc = load_incident(Path(incident))
    try:
        return doc, _engine().assess(doc, day)
    except InputErrors:
        raise
    except InputError as exc:
        if exc.file is None:
            exc.file = "--as-of" if (day and exc.kind == "as_of") else doc.path
        raise


@main.command()
@RULES
@click.argument("kind", type=click.Choice(["report", "notice", "publication"]), metavar="KIND")
@click.argument("incident", metavar="INCIDENT")
@click.option("--variant", type=click.Choice(["preliminary", "final"]), default=None,
              help="The report as a 速報 (preliminary) or 確報 (final); default: final once "
                   "response.taken lists the preliminary report (ppc_report), else preliminary.")
@click.option("--format", "fmt", type=click.Choice(["markdown", "docx", "json"]), default=None,
              help="markdown (default; to stdout or -o), docx (a Word file; needs -o), json.")
@click.option("-o", "--output", "output", metavar="FILE", default=None,
              help="Write to FILE (a .docx name selects --format docx).")
@AS_OF
@TODAY
def draft(kind: str, incident: str, variant: str | None, fmt: str | None, output: str | None,
          as_of: str | None, today: str | None) -> None:
    """Draft in Japanese the document the law requires, filled from INCIDENT: KIND is `report`
    (the report to the PPC, every report item in the order of 別記様式第一, 速報 or 確報),
    `notice` (the notice to the individuals, with the items the notice must carry) or `publication`
    (the public announcement, when notice is difficult or publication is advised). A fact not
    yet known is marked 【要記入】; each draft names the clauses it follows and the conclusions
    that call for it; what it contains and in which order is in rules/drafts/KIND.yaml.

    \b
    Example:
      appi-kb draft report incident.yaml --variant final
      appi-kb draft notice incident.yaml -o notice.docx
      appi-kb draft publication incident.yaml --today 2023-06-20
    """
    from engine import drafts
    if fmt is None:
        fmt = "docx" if output and output.lower().endswith(".docx") else "markdown"
    if fmt == "docx" and not output:
        raise _input_error("a .docx draft is a file, not text for the terminal", "--format",
                           "add -o FILE.docx")
    day = resolve_today(today, as_of)
    doc, a = _assessed(incident, as_of)
    d = drafts.build(kind, doc, a, variant=variant, today=day, root=_rules_dir() / "drafts")
    if fmt == "json":
        data = _json(d.as_dict()).encode("utf-8")
    elif fmt == "docx":
        from engine.drafts import docx as docx_out
        data = docx_out.render(d)
    else:
        from engine.drafts import markdown as md_out
        data = md_out.render(d).encode("utf-8")
    if output:
        try:
            Path(output).write_bytes(data)
        except OSError as exc:
            raise _input_error(f"cannot write {output}: {exc.strerror}", "--output") from None
        return
    _write(data.decode("utf-8"))


@main.command()
@RULES
@click.argument("paths", nargs=-1, required=True, metavar="DIR|INCIDENT...")
@click.option("--ics", "ics_out", metavar="FILE", default=None,
              help="Also write every deadline as a calendar entry (iCalendar) to FILE.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text for people, json for tools.")
@TODAY
@LANG
def status(paths: tuple[str, ...], ics_out: str | None, fmt: str, today: str | None,
           lang: str) -> None:
    """Track the deadlines of every incident in a folder (or the files given): per case what is
    done (with the day response.taken records), what is due (days left) and what is overdue,
    counted from today. Exits 1 if anything is overdue. --ics writes each deadline as a calendar
    entry (a window, such as the 速報 target, spans its days).

    \b
    Example:
      appi-kb status incidents/ --today 2024-05-28
      appi-kb status incidents/ --ics deadlines.ics
    """
    from engine import batch
    from engine import status as tracking
    from engine.paths import display
    from engine.validate import kind_of
    from engine.yamlio import load_yaml
    day = resolve_today(today, None)
    cases = []
    for path in batch.expand(list(paths)):
        doc = load_yaml(Path(path), display(path))
        if kind_of(doc) != "incident":          # a folder may hold fixtures or rules: not cases
            continue
        doc, a = _assessed(str(path), None)
        cases.append(tracking.track(display(path), a, doc.data, day, lang))
    out = _json(tracking.as_json(cases, day)) if fmt == "json" else tracking.text(cases, day, lang)
    if ics_out:
        try:
            Path(ics_out).write_bytes(tracking.ics(cases, day, lang))
        except OSError as exc:
            raise _input_error(f"cannot write {ics_out}: {exc.strerror}", "--ics") from None
    _write(out)
    if tracking.overdue(cases):
        raise click.exceptions.Exit(EXIT_FAILED)


@main.command()
@RULES
@click.option("-o", "--output", "output", metavar="FILE", default="incident.yaml", show_default=True,
              help="The incident file to write (valid for `appi-kb assess`).")
@click.option("--state", "state_file", metavar="FILE", default=None,
              help="Keep the interview here after each answer (default: OUTPUT + .interview); "
                   "run again with the same file to resume.")
@AS_OF
@LANG
def interview(output: str, state_file: str | None, as_of: str | None, lang: str) -> None:
    """Build an incident file by answering questions: only those whose answer decides a
    conclusion still open, the most decisive first (measured by assessing its possible answers),
    with the decision shown as soon as it is settled. Answers may be Japanese labels, a number
    from the list, はい/いいえ, dates such as 2025/12/26 or 令和7年12月26日, わからない (left
    unknown) or q (stop; run again to resume).

    \b
    Example:
      appi-kb interview -o incident.yaml
      appi-kb interview -o incident.yaml < answers.txt
    """
    import yaml

    from engine import interview as iv
    state_path = Path(state_file or output + ".interview")
    state = iv.State()
    if state_path.is_file():
        from engine.yamlio import load_yaml
        state = iv.State.from_yaml(load_yaml(state_path, str(state_path)).data or {})
        _write(("前回の続きから再開します。" if lang == "ja" else "Resuming the interview.") + "\n")
    interviewer = iv.Interviewer(_engine(), parse_date(as_of))

    def dump(data) -> str:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)

    def save(st) -> None:
        state_path.write_text(dump(st.as_yaml()), encoding="utf-8")

    def ask(q, n: int) -> str | None:
        lines = [f"\nQ{n}. {q.text[lang]}"]
        for i, (_, label) in enumerate(q.options, 1):
            lines.append(f"  {i}. {label[lang]}")
        _write("\n".join(lines) + "\n")
        try:
            return click.prompt(">", default="", show_default=False, prompt_suffix=" ")
        except (click.exceptions.Abort, EOFError):
            return None

    finished = iv.run(interviewer, state, ask, lambda s: _write(s + "\n"), save, lang)
    iv.document(state.data, output)          # valid, or the message says what is wrong
    # the answers as given, not the normalised copy (which holds facts derived on reading)
    Path(output).write_text(dump(state.data), encoding="utf-8")
    if finished:
        state_path.unlink(missing_ok=True)
    _write((f"\n{output} を書きました。" if lang == "ja" else f"\nWrote {output}.")
           + ("" if finished else (f"（中断：{state_path} で再開できます）" if lang == "ja"
                                    else f" (stopped: resume with {state_path})")) + "\n")


@main.command()
@RULES
@click.option("--check", is_flag=True,
              help="Change nothing: exit 1 if a schema or a modeline is not current.")
def schemas(check: bool) -> None:
    """Regenerate the editor schemas (schemas/editor/): the rule and fixture schemas with the
    knowledge base's fact names, conclusion codes, parameter, rule and group ids and cited
    clauses as enums, so an editor completes them; and put a yaml-language-server modeline on
    the first line of every file under rules/, fixtures/ and examples/. Run it after adding a
    conclusion, rule, parameter or file; CI checks that it has been run.

    \b
    Example:
      appi-kb schemas
      appi-kb schemas --check
    """
    from engine import editor_schemas as ed
    from engine.paths import beside, display
    kb = _engine().kb
    root = beside(_rules_dir(), "schemas").parent      # the project folder of the KB in use
    if check:
        stale = ed.stale(kb, root / "schemas")
        lines = [f"{s}: not current" for s in stale]
        lines += [f"{display(p)}:1: should start with '{want}'"
                  for p, want in ed.modeline_problems(root)]
        if lines:
            _fail(lines + ["run `appi-kb schemas` to bring them up to date"], EXIT_FAILED)
        _write("schemas and modelines are current\n")
        return
    written = ed.write(kb, root / "schemas")
    fixed = ed.fix_modelines(root)
    _write("".join(f"wrote {display(p)}\n" for p in written)
           + "".join(f"modeline: {display(p)}\n" for p in fixed))


if __name__ == "__main__":
    main()
