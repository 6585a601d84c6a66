"""The limits of durable-rules 2.0.28 that a knowledge base can reach, and a model of its network.

durable-rules builds a Rete network from the JSON of each ruleset: an *alpha* tree of single-value
tests that every fact walks, and *beta* nodes (one per pattern of each rule) that join the facts.
Its C core has fixed-size tables and fails, hangs or crashes when one is full. The compiler
(engine/rulesets.py) builds every ruleset so that the network it will get is known exactly, then
`AlphaTree` reproduces that network here (same sharing rules as rete.c's findAlpha) and checks each
limit with a margin, before durable-rules ever sees the ruleset. Each limit below names the
constant of the C source, what happens past it, and the probe test (tests/test_engine_limits.py)
that builds the boundary case in real durable-rules and shows where it fails.

How the compiler stays away from the limits that grow with the knowledge base:
- no test durable never shares (`$or`, `$iany`, `$iall`, `$nex`, `$not`): every pattern is one
  chain of single-value tests, so identical tests are shared and the number of alpha nodes and
  of tests that can hold at once depends on the fact vocabulary, not on the number of rules;
- the patterns that end on one alpha path are spread over equivalent paths (an always-true test
  appended) before they reach the beta-list limit;
- conclusion names are spread over buckets before they fill one node's child table;
- a stratum is split into several rulesets (by groups of rules that read each other's
  conclusions) before the number of rules or the size of one session grows too large.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limit:
    key: str
    engine: int          # the value in durable-rules' C source
    allowed: int         # what the compiler allows (the margin is engine - allowed)
    source: str          # constant and file
    failure: str         # what durable does past the engine value
    probe: str           # the test that pins the engine value


# patterns of one rule: 17 are accepted by create_ruleset, then every assert fails (error 304)
PATTERNS = Limit("patterns", 16, 16, "MAX_MESSAGE_FRAMES (rete.h)",
                 "error 304 when facts are asserted", "test_probe_patterns_per_rule")
# tests that hold at once for one fact: handleAlpha (events.c) keeps the nodes still to visit on
# a stack of 64; one more and the assertion fails (error 303)
STACK = Limit("stack", 64, 48, "MAX_STACK_SIZE (events.c)",
              "error 303 when a fact is asserted", "test_probe_tests_holding_at_once")
# children of one alpha node: a 512-slot open-addressing table searched until an empty slot; with
# 512 children it has none, and the first fact to walk it (or the next rule to look for a child
# there) loops forever with the GIL held
CHILDREN = Limit("children", 511, 384, "NEXT_BUCKET_LENGTH (rules.h)",
                 "the process hangs (create_ruleset or assert_facts never returns)",
                 "test_probe_children_of_one_node")
# patterns fed by one alpha node (identical tests): a 256-entry list scanned until a zero; with
# 256 entries the scan runs past its end (the process crashes), with 257 error 108
BETA_LIST = Limit("beta_list", 255, 192, "BETA_LIST_LENGTH (rules.h)",
                  "crash (256) or error 108 (257) when the ruleset is created",
                  "test_probe_patterns_sharing_one_test")
# `$nex` tests and `$or` joins under one node: a 128-entry list (error 107 past it). The compiler
# emits neither; the model still counts them, so a construct that adds one is caught here
NEXT_LIST = Limit("next_list", 127, 0, "NEXT_LIST_LENGTH (rules.h)",
                  "error 107 when the ruleset is created", "test_probe_or_nodes_under_one_node")
# rules (actions) of one ruleset
ACTIONS = Limit("actions", 4096, 2048, "MAX_ACTIONS (rete.h)",
                "error 106 when the ruleset is created", "test_probe_rules_per_ruleset")
# properties of one fact, its session id included: 254 crash the process when asserted; the
# compiler's facts have five plus one per tested value of a list fact's vocabulary
PROPERTIES = Limit("properties", 253, 200, "MAX_OBJECT_PROPERTIES (state.h)",
                   "crash when the fact is asserted", "test_probe_properties_per_fact")
# beta nodes of one ruleset: not a hard limit but the cost of every session (durable allocates
# about 10 KB per beta node for each session, and more than linearly past ~1,000): a stratum is
# split into rulesets of at most this many patterns
SESSION_SIZE = Limit("session_size", 0, 1200, "betaState (state.c:createStateNode)",
                     "slower sessions, not a failure", "benchmarks/bench.py")

ALL = (PATTERNS, STACK, CHILDREN, BETA_LIST, NEXT_LIST, ACTIONS, PROPERTIES, SESSION_SIZE)

EQ, NEQ, LT, LTE, GT, GTE = "", "$neq", "$lt", "$lte", "$gt", "$gte"

# Name properties: the compiler's facts say which fact or conclusion they are by carrying exactly
# one property `F<j>` (an atom's fact name) or `C<k>` (a conclusion code), and patterns test
# `F<j> == 1`. durable keeps a node's children in a table keyed by property name and tests every
# child on a property the fact has: children `n == NAME` on one property cost one test each for
# every fact, children on distinct name properties one test in all. For the stack model, equality
# tests on the name properties of one family can no more hold together than equality tests on
# one property (pinned by test_probe_name_properties). An atom's fact has no type `t`: its name
# property takes the type's place under the root, so `F<j>` counts with `t` there.
NAME_FAMILIES = {"F": "t", "C": "#C"}


def name_family(prop: str) -> str | None:
    """The property a name property counts as (`F12` -> "t", `C3` -> "#C"), or None for any
    other property."""
    if len(prop) > 1 and prop[0] in NAME_FAMILIES and prop[1:].isdigit():
        return NAME_FAMILIES[prop[0]]
    return None


@dataclass(frozen=True)
class AlphaTest:
    """One single-value alpha test: `prop op value` (op "" is equality)."""
    prop: str
    op: str
    value: object

    def json(self) -> dict:
        return {self.prop: self.value} if self.op == EQ else {self.op: {self.prop: self.value}}

    def key(self) -> tuple:
        return (self.prop, self.op, type(self.value).__name__, self.value)


@dataclass
class _Node:
    test: AlphaTest | None
    children: dict = field(default_factory=dict)     # AlphaTest.key() -> _Node
    beta: int = 0                                    # patterns ending here
    users: list = field(default_factory=list)        # who ends here (for messages)


class AlphaTree:
    """The alpha network durable-rules will build for a list of patterns (chains of tests).

    Sharing follows rete.c: a test is shared with an existing child of the same parent when its
    property, operator and value are the same; chains are never merged otherwise."""

    def __init__(self) -> None:
        self.root = _Node(None)

    def add(self, chain: list[AlphaTest], user: object) -> None:
        node = self.root
        for test in chain:
            node = node.children.setdefault(test.key(), _Node(test))
        node.beta += 1
        node.users.append(user)

    def nodes(self):
        stack = [(self.root, ())]
        while stack:
            node, path = stack.pop()
            yield node, path
            for child in node.children.values():
                stack.append((child, path + (child.test,)))

    @staticmethod
    def passing_bound(node: _Node) -> int:
        """How many children of `node` can hold at once for one fact: of the equality tests on
        one property at most one, and of those on the name properties of one family (a fact
        carries exactly one of them) at most one; every other test may."""
        eq_props, others = set(), 0
        for child in node.children.values():
            if child.test.op == EQ:
                eq_props.add(name_family(child.test.prop) or child.test.prop)
            else:
                others += 1
        return len(eq_props) + others

    def stack_peak(self, node: _Node | None = None, depth: int = 0) -> tuple[int, tuple]:
        """The most nodes handleAlpha can hold on its stack for any fact, and the path to it.

        Visiting a node pops it and pushes its children that hold; the deepest child is taken
        next, so along a path x0..xj the stack holds sum(b(xi) - 1 for i < j) + b(xj)."""
        node = node or self.root
        b = self.passing_bound(node)
        best, where = depth + b, ()
        for child in node.children.values():
            peak, path = self.stack_peak(child, depth + max(b - 1, 0))
            if peak > best:
                best, where = peak, (child.test,) + path
        return best, where


_HEADROOM = (   # limit, what is counted
    (STACK, "tests that can hold at once for one fact"),
    (BETA_LIST, "rule patterns sharing one test"),
    (CHILDREN, "tests under one node"),
    (PATTERNS, "facts one rule joins"),
    (PROPERTIES, "properties of one fact"),
    (ACTIONS, "rules in one ruleset"),
)


def headroom_lines(usage: dict) -> list[str]:
    """`appi-kb validate`'s report of how much of each durable-rules limit the KB uses.

    usage: limit key -> (amount, where[, date]) as engine.compile.engine_usage gives it."""
    out = []
    for limit, what in _HEADROOM:
        if limit.key not in usage:
            continue
        amount, where = usage[limit.key][:2]
        place = f" ({where})" if where else ""
        out.append(f"engine: {amount} of {limit.allowed} {what}{place}; durable-rules fails "
                   f"past {limit.engine}")
    if "rulesets" in usage and "session_size" in usage:
        out.append(f"engine: {usage['rulesets'][0]} rulesets, the largest "
                   f"{usage['session_size'][0]} patterns (a stratum is split past "
                   f"{SESSION_SIZE.allowed})")
    return out
