# durable-rules 2.0.28: createForwardAlpha leaves expression.right.type uninitialised; the
# $iany/$iall path reads it (rete.c:1313) -> random ERR_UNEXPECTED_TYPE (102) at create_ruleset.
import json, sys, durable_rules_engine as dre
compound = {"r": {"all": [{"a": {"$and": [{"t": "f"}, {"n": "items"},
            {"$iany": {"v": {"$or": [{"$i": "x%d" % i} for i in range(6)]}}}]}}]}}
flat = {"r": {"all": [{"a": {"$and": [{"t": "f"}, {"n": "items"},
            {"$or": [{"$iany": {"v": {"$i": "x%d" % i}}} for i in range(6)]}]}}]}}
def trial(defn, n):
    errs = 0
    for k in range(n):
        # vary the surrounding allocations a little, as a real KB does
        d = {f"r{j}": defn["r"] for j in range(1 + k % 7)}
        try:
            h = dre.create_ruleset(f"rs{k}", json.dumps(d))
            dre.delete_ruleset(h)
        except Exception as e:
            errs += 1
    return errs
n = int(sys.argv[1])
print("compound $iany/$or:", trial(compound, n), "errors in", n)
print("decomposed $or of $iany:", trial(flat, n), "errors in", n)
