"""Fixtures from any source: a seed example, a statute or regulation clause, a guideline section,
a Q&A, a court ruling, an amendment or an editor's scenario — each naming its citation, and each
citation something the knowledge base knows. One small file per error kind."""
from __future__ import annotations

import pytest

from conftest import DATA
from engine.fixtures import load_fixture

SOURCES = DATA / "fixtures" / "sources"

# file -> words of the one error it must give (file:line first)
BAD = {
    "bad-regulation-no-article.yaml": (5, ["missing required key 'article' in source",
                                           "required when type is statute, cabinet_order or regulation"]),
    "bad-guideline-no-edition.yaml": (5, ["missing required key 'edition' in source",
                                          "required when type is guideline"]),
    "bad-scenario-no-note.yaml": (5, ["missing required key 'note' in source",
                                      "required when type is scenario"]),
    "bad-seed-on-regulation.yaml": (5, ["seed_example belongs to a seed-example source",
                                        "not to a regulation source"]),
    "bad-unknown-example.yaml": (5, ["SE-99 is not a documented example of the deck"]),
    "bad-uncited-article.yaml": (5, ["no rule of the knowledge base cites",
                                     "law_id 428M60020000003, article 99"]),
    "bad-uncited-case.yaml": (5, ["no rule cites the ruling of 最高裁判所 2001-01-01",
                                  "type: scenario"]),
}
GOOD = ["ok-regulation.yaml", "ok-guideline.yaml", "ok-scenario.yaml", "ok-seed-typed.yaml"]


def test_every_source_file_has_a_case():
    assert {p.name for p in SOURCES.glob("*.yaml")} == set(BAD) | set(GOOD)


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_source_one_clear_error(run, name):
    line, words = BAD[name]
    r = run("validate", SOURCES / name)
    assert r.code == 2, (r.stdout, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"tests/data/fixtures/sources/{name}:{line}:"), lines[0]
    for w in words:
        assert w in lines[0], (w, lines[0])


@pytest.mark.parametrize("name", GOOD)
def test_good_sources_validate_and_run(run, name):
    assert run("validate", SOURCES / name).code == 0
    r = run("test", SOURCES / name)
    assert r.code == 0, r.stdout + r.stderr


def test_source_kind_and_seed_example_are_read():
    assert load_fixture(SOURCES / "ok-regulation.yaml").source_type == "regulation"
    assert load_fixture(SOURCES / "ok-regulation.yaml").seed_example is None
    legacy = load_fixture(DATA / "fixtures" / "pass" / "card-leak.yaml")   # no `type`: a seed example
    assert (legacy.source_type, legacy.seed_example) == ("seed_example", "SE-05")


def test_coverage_counts_only_seed_fixtures_for_examples(engine):
    from engine.coverage import coverage
    from engine.fixtures import run_fixture
    fxs = [load_fixture(SOURCES / n) for n in ("ok-regulation.yaml", "ok-seed-typed.yaml")]
    rep = coverage(engine.kb, fxs, [run_fixture(engine, f) for f in fxs])
    se05 = next(e for e in rep.examples if e["id"] == "SE-05")
    assert se05["fixtures"] == ["src-ok-seed-typed"]
    assert rep.sources == {"regulation": 1, "seed_example": 1}
