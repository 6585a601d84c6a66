"""Templates (jinja2, autoescaped) and assets of the static catalog site (engine/site.py)."""
from __future__ import annotations

BASE = """<!DOCTYPE html>
<html lang="{{ site.lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{{ site.t('title') }}{% endblock %} — {{ site.text(site.kb.title) }}</title>
<link rel="stylesheet" href="{{ root }}assets/style.css">
</head>
<body data-root="{{ root }}">
<header>
  <a class="home" href="{{ root }}index.html">{{ site.t('title') }}</a>
  <span class="kb">{{ site.kb.id }} {{ site.kb.version }}</span>
  <nav>
    <a href="{{ root }}index.html#units">{{ site.t('units') }}</a>
    <a href="{{ root }}parameters.html">{{ site.t('parameters') }}</a>
    <a href="{{ root }}fixtures.html">{{ site.t('fixtures') }}</a>
    <a href="{{ root }}index.html#coming">{{ site.t('coming') }}</a>
  </nav>
  <form class="search" role="search" onsubmit="return false">
    <input id="search" type="search" autocomplete="off" placeholder="{{ site.t('search') }}"
           aria-label="{{ site.t('search') }}" title="{{ site.t('search_hint') }}">
    <ol id="results" hidden data-empty="{{ site.t('no_results') }}"></ol>
  </form>
</header>
<main>
{% block main %}{% endblock %}
</main>
<script src="{{ root }}assets/search-index.js"></script>
<script src="{{ root }}assets/search.js"></script>
</body>
</html>
"""

MACROS = """
{% macro badge(status) -%}
<span class="badge {{ status }}" title="{{ site.t(status) }}">{{ status }}</span>
{%- endmacro %}
{% macro validity(vf, vt) -%}
{% set st = site.state(vf, vt) %}
<span class="validity {{ st }}">{{ vf }} – {{ vt if vt else site.t('open_end') }}
 <em>{{ site.t(st) }}</em></span>
{%- endmacro %}
{% macro citation(c) -%}
<li class="citation">
  <span class="clause">{{ site.clause(c) }}</span> {{ badge(c.status) }}
  {% if c.data.get('verified_on') %}<span class="verified">{{ site.t('verified_on') }} {{ c.data['verified_on'] }}</span>{% endif %}
  {% if c.data.get('edition') %}<span class="edition">{{ c.data['edition'] }}</span>{% endif %}
  <blockquote>{{ c.data['quote'] }}</blockquote>
  {% if c.data.get('url') %}<a class="external" href="{{ c.data['url'] }}" rel="noopener">{{ c.data['url'] }}</a>{% endif %}
  {% if c.data.get('note') %}<p class="note">{{ site.text(c.data['note']) }}</p>{% endif %}
</li>
{%- endmacro %}
{% macro fixture_links(ids) -%}
{% if ids %}{% for f in ids %}<a class="fx" href="{{ site.fixture_href(f, root) }}">{{ f }}</a>{% if not loop.last %} {% endif %}{% endfor %}
{% else %}<span class="none">{{ site.t('none') }}</span>{% endif %}
{%- endmacro %}
{% macro param_versions(p) -%}
<table class="values">
  <thead><tr><th>{{ site.t('valid') }}</th><th>{{ site.t('value') }}</th><th>{{ site.t('citations') }}</th></tr></thead>
  <tbody>
  {% for pv in p.versions %}
  <tr><td>{{ validity(pv.valid_from, pv.valid_to) }}</td>
      <td class="value">{{ site.value(pv.value) }}{% if p.unit %} {{ p.unit }}{% endif %}</td>
      <td><ul class="citations">{% for c in pv.citations %}{{ citation(c) }}{% endfor %}</ul></td></tr>
  {% endfor %}
  </tbody>
</table>
{%- endmacro %}
"""

INDEX = """{% extends "base.html" %}
{% from "macros.html" import badge with context %}
{% block main %}
<h1>{{ site.text(site.kb.title) }}</h1>
<p class="lead">{{ site.kb.id }} {{ site.kb.version }} ·
 {{ site.t('totals', units=len(site.kb.units), rules=len(site.kb.rules),
    versions=site.kb.rules.values()|map(attribute='versions')|map('length')|sum,
    params=len(site.kb.parameters), fixtures=len(site.fixtures)) }}
 · {{ site.t('generated_for') }} {{ site.today }}</p>
{% set counts = status_counts(site.kb) %}
<p class="verification">{{ site.t('verification') }}:
{% for s in ['official', 'transcribed', 'unverified'] %}{{ badge(s) }} {{ counts[s] }} {% endfor %}</p>

<section id="coming">
<h2>{{ site.t('coming') }}</h2>
{% if site.pending %}
<table class="coming">
<thead><tr><th>{{ site.t('starts') }}</th><th>{{ site.t('rule') }} / {{ site.t('param_of') }}</th><th></th></tr></thead>
<tbody>
{% for c in site.pending %}
<tr><td>{{ c.date }}</td>
<td>{% if c.kind == 'rule' %}<a href="{{ site.rule_href(c.id, root) }}">{{ c.ref }}</a>
{% elif c.kind == 'param' %}<a href="{{ site.param_href(c.id, root) }}">{{ c.ref }}</a>
{% else %}{{ c.ref }}{% endif %}</td>
<td>{{ site.t(c.what) if c.what in ('starts', 'ended') else c.what }}{% if c.get('value') is not none %}: {{ site.value(c.value) }}{% endif %}
{% if c.get('text') %}<p>{{ c.text }}</p>{% endif %}</td></tr>
{% endfor %}
</tbody></table>
{% else %}<p class="none">{{ site.t('no_coming') }}</p>{% endif %}
</section>

<section id="units">
<h2>{{ site.t('units') }}</h2>
<table class="units">
<thead><tr><th>{{ site.t('unit_word') }}</th><th>{{ site.t('kind') }}</th><th>{{ site.t('rules') }}</th>
<th>{{ site.t('status') }}</th></tr></thead>
<tbody>
{% for u in units %}
{% set uc = status_counts(site.kb, u.file) %}
<tr><td><a href="{{ site.unit_href(u.id, root) }}">{{ site.text(u.title) }}</a> <code>{{ u.id }}</code></td>
<td>{{ u.source_type }}</td>
<td>{{ site.kb.rules.values()|selectattr('unit_id', 'equalto', u.id)|list|length }}</td>
<td>{% for s in ['official', 'transcribed', 'unverified'] %}{% if uc[s] %}{{ badge(s) }} {{ uc[s] }} {% endif %}{% endfor %}</td></tr>
{% endfor %}
</tbody></table>
</section>
{% endblock %}
"""

UNIT = """{% extends "base.html" %}
{% from "macros.html" import badge, validity, citation, fixture_links, param_versions with context %}
{% block title %}{{ site.text(unit.title) }}{% endblock %}
{% block main %}
<h1 id="top">{{ site.text(unit.title) }}</h1>
<p class="meta"><code>{{ unit.id }}</code> · {{ unit.source_type }}
{% if unit.data.get('law_id') %} · law id {{ unit.data['law_id'] }}{% endif %}
{% if unit.data.get('article') %} · {{ unit.data['article'] }}{% endif %}
 · {{ site.t('file') }} <code>{{ unit.file }}</code>
{% if unit.data.get('url') %} · <a class="external" href="{{ unit.data['url'] }}" rel="noopener">{{ unit.data['url'] }}</a>{% endif %}</p>

<section id="official-text">
<h2>{{ site.t('official_text') }}</h2>
{% set off = site.official.get(unit.id) %}
{% if off %}
<p class="edition">{{ off.get('title', '') }} — {{ site.text(off.get('edition', '')) }}
 (<code>{{ off.get('edition_id', '') }}</code>, <code>{{ off.get('file', '') }}</code>)</p>
<pre class="official">{{ off['text'] }}</pre>
{% else %}<p class="none">{{ site.t('no_official_text') }}</p>{% endif %}
</section>

{% if groups %}
<section id="groups"><h2>{{ site.t('groups') }}</h2>
{% for g in groups %}
<div class="group" id="group-{{ slug(g.id) }}"><h3>{{ site.text(g.label) }} <code>{{ g.id }}</code></h3>
<p>{{ site.t('members') }}: {% for m in g.members %}<a href="{{ site.rule_href(m, root) }}">{{ m }}</a> {% endfor %}
<code>{{ g.selector }}</code></p>
{% if g.read_by %}<p>{{ site.t('read_by') }}: {% for m in g.read_by %}<a href="{{ site.rule_href(m, root) }}">{{ m }}</a> {% endfor %}</p>{% endif %}
</div>
{% endfor %}
</section>
{% endif %}

{% if params %}
<section id="parameters"><h2>{{ site.t('parameters') }}</h2>
{% for p in params %}
<div class="param" id="param-{{ slug(p.id) }}">
<h3>{{ site.text(p.label) }} <code>{{ p.id }}</code></h3>
{% if p.constraints %}<p>{{ site.t('constraints') }}: <code>{{ p.constraints }}</code></p>{% endif %}
{{ param_versions(p) }}
</div>
{% endfor %}
</section>
{% endif %}

{% if conclusions %}
<section id="conclusions"><h2>{{ site.t('conclusions') }}</h2>
<ul class="conclusions">{% for c in conclusions %}
<li id="concl-{{ slug(c.code) }}"><code>{{ c.code }}</code> {{ site.text(site.kb.conclusion_label(c.code, site.today)) }}</li>
{% endfor %}</ul></section>
{% endif %}

<section id="rules"><h2>{{ site.t('rules') }}</h2>
{% for r in rules %}
<article class="rule" id="rule-{{ slug(r.id) }}">
<h3>{{ site.text(site.kb.rule_label(r.id, site.today)) }} <code>{{ r.id }}</code> <span class="kind">{{ r.kind }}</span></h3>
<p class="meta">{{ site.t('file') }} <code>{{ r.file }}:{{ r.line }}</code>
{% if defeated_by[r.id] %} · {{ site.t('defeated_by') }}:
{% for d in defeated_by[r.id] %}<a href="{{ site.rule_href(d, root) }}">{{ d }}</a> {% endfor %}{% endif %}</p>
{% for v in r.versions %}
<div class="version" id="rule-{{ slug(r.id) }}-v{{ v.version }}">
<h4>{{ site.t('version_n', n=v.version) }} · {{ validity(v.valid_from, v.valid_to) }}</h4>
<ul class="citations">{% for c in v.citations %}{{ citation(c) }}{% endfor %}</ul>
<div class="logic">
<div><h5>{{ site.t('when') }}</h5><pre>{{ site.yaml(v.when) }}</pre></div>
<div><h5>{{ site.t('then') }}</h5><pre>{{ site.yaml(v.then) }}</pre></div>
</div>
{% if v.defeats %}<p>{{ site.t('defeats') }}:
{% for d in v.defeats_written if d is mapping %}<a href="{{ site.unit_href(site.kb.groups[d['group']].unit_id, root) }}#group-{{ slug(d['group']) }}">{{ d['group'] }}</a> = {% endfor %}
{% for d in v.defeats %}<a href="{{ site.rule_href(d, root) }}">{{ d }}</a> {% endfor %}</p>{% endif %}
{% if v.judgment %}<p class="judgment">{{ site.t('judgment') }}: {{ site.text(v.judgment['question']) }}</p>{% endif %}
<p class="fixtures">{{ site.t('fires_in') }}: {{ fixture_links(site.fires.get(v.ref, [])) }}</p>
<p class="fixtures">{{ site.t('quiet_in') }}: {{ fixture_links(site.quiet.get(v.ref, [])) }}</p>
</div>
{% endfor %}
</article>
{% endfor %}
</section>
{% endblock %}
"""

PARAMETERS = """{% extends "base.html" %}
{% from "macros.html" import param_versions with context %}
{% block title %}{{ site.t('parameters') }}{% endblock %}
{% block main %}
<h1>{{ site.t('parameters') }}</h1>
{% for p in params %}
<div class="param" id="param-{{ slug(p.id) }}">
<h2>{{ site.text(p.label) }} <code>{{ p.id }}</code></h2>
<p class="meta">{{ site.t('file') }} <code>{{ p.file }}:{{ p.line }}</code> ·
<a href="{{ site.param_href(p.id, root) }}">{{ site.t('unit_word') }}</a></p>
{{ param_versions(p) }}
</div>
{% endfor %}
{% endblock %}
"""

FIXTURES = """{% extends "base.html" %}
{% block title %}{{ site.t('fixtures') }}{% endblock %}
{% block main %}
<h1>{{ site.t('fixtures') }}</h1>
<table class="fixtures">
<thead><tr><th>{{ site.t('fixture') }}</th><th>{{ site.t('source') }}</th><th>{{ site.t('as_of') }}</th>
<th>{{ site.t('result') }}</th><th>{{ site.t('fired') }}</th></tr></thead>
<tbody>
{% for f in site.fixtures %}
<tr id="fx-{{ slug(f.id) }}"><td><code>{{ f.id }}</code><br>{{ site.text(f.title) }}<br><small><code>{{ f.file }}</code></small></td>
<td>{{ f.source }}</td><td>{{ f.as_of or '' }}</td>
<td class="{{ 'pass' if f.passed else 'fail' }}">{{ site.t('pass') if f.passed else site.t('fail') }}</td>
<td>{% for ref in f.fired %}<a href="{{ site.rule_href(ref.split('@')[0], root) }}">{{ ref }}</a> {% endfor %}</td></tr>
{% endfor %}
</tbody></table>
{% endblock %}
"""

PAGES = {"base.html": BASE, "macros.html": MACROS, "index.html": INDEX, "unit.html": UNIT,
         "parameters.html": PARAMETERS, "fixtures.html": FIXTURES}

STYLE = """
:root { --fg: #1d2430; --muted: #5b6575; --line: #d8dde6; --accent: #1f5fbf; --bg: #fff; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.6 system-ui, "Hiragino Sans", "Noto Sans CJK JP", sans-serif;
       color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding: .6rem 1.5rem;
         border-bottom: 1px solid var(--line); background: #f5f7fb; position: sticky; top: 0; z-index: 2; }
header .home { font-weight: 700; color: var(--fg); text-decoration: none; }
header .kb { color: var(--muted); font-size: .85rem; }
header nav a { margin-right: 1rem; }
.search { position: relative; margin-left: auto; }
.search input { width: 24rem; max-width: 80vw; padding: .35rem .6rem; border: 1px solid var(--line);
                border-radius: 4px; font: inherit; }
#results { position: absolute; right: 0; width: 36rem; max-width: 95vw; max-height: 70vh; overflow: auto;
           margin: .2rem 0 0; padding: .3rem .3rem .3rem 2rem; background: #fff; border: 1px solid var(--line);
           box-shadow: 0 4px 16px rgba(0,0,0,.12); }
#results li { margin: .2rem 0; }
#results .k { color: var(--muted); font-size: .75rem; margin-right: .4rem; }
main { padding: 1rem 1.5rem 3rem; max-width: 72rem; }
a { color: var(--accent); }
code { font-size: .85em; background: #f1f3f7; padding: 0 .25em; border-radius: 3px; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
blockquote { margin: .2rem 0 .2rem .5rem; padding-left: .7rem; border-left: 3px solid var(--line); }
pre { background: #f6f8fa; padding: .5rem .7rem; overflow-x: auto; font-size: .85rem; white-space: pre-wrap; }
.badge { display: inline-block; font-size: .72rem; padding: 0 .4rem; border-radius: 3px; color: #fff; }
.badge.official { background: #2e7d32; } .badge.transcribed { background: #b26a00; }
.badge.unverified { background: #c62828; }
.validity em { font-style: normal; font-size: .8rem; color: var(--muted); }
.validity.future em { color: #1f5fbf; } .validity.ended em { color: #c62828; }
.rule { border-top: 2px solid var(--line); margin-top: 1.5rem; padding-top: .5rem; }
.rule .kind { font-size: .8rem; color: var(--muted); }
.version { margin-left: 1rem; }
.logic { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.citations { list-style: none; padding-left: 0; }
.note, .meta, .none, .edition, .verified { color: var(--muted); font-size: .85rem; }
td.pass { color: #2e7d32; } td.fail { color: #c62828; font-weight: 700; }
:target { background: #fff8d6; }
"""

SEARCH_JS = r"""
// Client-side search over window.APPI_CATALOG_INDEX (assets/search-index.js): no server.
// Clause names are read leniently, as `appi-kb cite` reads them: full-width digits, 第…条,
// 但書 / ただし書, spaces and case do not matter.
(function () {
  "use strict";
  var input = document.getElementById("search");
  var list = document.getElementById("results");
  var root = document.body.getAttribute("data-root") || "";
  var entries = (window.APPI_CATALOG_INDEX || []).map(function (e) {
    return { e: e, hay: norm(e.t + " " + e.s) };
  });
  function norm(text) {
    return String(text).normalize("NFKC").toLowerCase()
      .replace(/第/g, "").replace(/但し?書/g, "ただし書").replace(/括弧書/g, "かっこ書")
      .replace(/\s+/g, "");
  }
  function show(query) {
    var terms = String(query).split(/\s+/).map(norm).filter(Boolean);
    while (list.firstChild) { list.removeChild(list.firstChild); }
    if (!terms.length) { list.hidden = true; return; }
    var found = entries.filter(function (x) {
      return terms.every(function (t) { return x.hay.indexOf(t) !== -1; });
    }).slice(0, 50);
    if (!found.length) {
      var none = document.createElement("li");
      none.className = "empty";
      none.textContent = list.getAttribute("data-empty");
      list.appendChild(none);
    }
    found.forEach(function (x) {
      var li = document.createElement("li");
      var kind = document.createElement("span");
      kind.className = "k";
      kind.textContent = x.e.k;
      var a = document.createElement("a");
      a.href = root + x.e.u;
      a.textContent = x.e.t;
      if (x.e.c && x.e.c.length) { a.title = x.e.c.join(", "); }
      li.appendChild(kind);
      li.appendChild(a);
      list.appendChild(li);
    });
    list.hidden = false;
  }
  input.addEventListener("input", function () { show(input.value); });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { list.hidden = true; }
  });
})();
"""

ASSETS = {"style.css": STYLE.lstrip(), "search.js": SEARCH_JS.lstrip()}
