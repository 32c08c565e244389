#!/usr/bin/python3
"""Generate golden answers from real Alembic 1.8 for revgraph's tests.

Run with Debian's python3 and python3-alembic (Alembic 1.8.1):

    /usr/bin/python3 revgraph/testdata/alembic/gen.py

Each graph is handed to Alembic's RevisionMap in the given order (the order
in which Alembic would have listed the script files). The questions asked
are the ones the CLI asks: heads, bases, branch points, history ranges,
target resolution, current, and the version rows left after each step of
upgrade, downgrade and stamp (replayed by Alembic's own HeadMaintainer).

Two arbitrary choices of Alembic are pinned so the answers are stable:
the normalised dependencies of a revision keep their declared order
(Alembic builds them from a set, so their order changes with the hash
seed), and version rows are compared as sets.
"""
import contextlib
import json
import os
import random
import signal
import sys
import types
import warnings

import alembic
from alembic.runtime import migration
from alembic.script import revision as revmod
from alembic.script.base import ScriptDirectory
from alembic.util import CommandError

assert alembic.__version__.startswith("1.8"), alembic.__version__

OUT = os.path.dirname(os.path.abspath(__file__))


def _normalize_depends_on(self, revisions, map_):
    for revision in revisions:
        if revision._resolved_dependencies:
            dropped = set()
            for rev in self._get_ancestor_nodes(
                [revision], include_dependencies=False, map_=map_
            ):
                if rev is revision:
                    continue
                elif rev._resolved_dependencies:
                    dropped.update(rev._resolved_dependencies)
            revision._normalized_resolved_dependencies = tuple(
                d for d in revision._resolved_dependencies if d not in dropped
            )
        else:
            revision._normalized_resolved_dependencies = ()


revmod.RevisionMap._normalize_depends_on = _normalize_depends_on


class Rev(revmod.Revision):
    def __init__(self, id_, down, deps, labels):
        super().__init__(
            id_,
            tuple(down) if len(down) > 1 else (down[0] if down else None),
            dependencies=tuple(deps) if deps else None,
            branch_labels=tuple(labels) if labels else None,
        )
        self.module = types.SimpleNamespace(upgrade=None, downgrade=None)


class Table(migration.HeadMaintainer):
    """HeadMaintainer with the version table kept in memory."""

    def __init__(self, heads):
        self.heads = set(heads)

    def _insert_version(self, version):
        assert version not in self.heads
        self.heads.add(version)

    def _delete_version(self, version):
        self.heads.remove(version)

    def _update_version(self, from_, to_):
        assert to_ not in self.heads
        self.heads.remove(from_)
        self.heads.add(to_)


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout()


signal.signal(signal.SIGALRM, _alarm)


@contextlib.contextmanager
def limit(seconds=2):
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)


def build(spec):
    revs = [Rev(r["id"], r["down"], r["deps"], r["labels"]) for r in spec]
    rm = revmod.RevisionMap(lambda: list(revs))
    sd = ScriptDirectory.__new__(ScriptDirectory)
    sd.revision_map = rm
    return rm, sd


def describe(exc):
    """Classify an exception: 'error' for Alembic's own errors, 'crash'
    for assertion/key/attribute errors, 'hang' for timeouts."""
    if isinstance(exc, Timeout):
        return "hang", "timed out"
    if isinstance(exc, (CommandError, revmod.RevisionError)):
        return "error", "%s: %s" % (type(exc).__name__, exc)
    return "crash", "%s: %s" % (type(exc).__name__, exc)


def run(fn):
    """Run fn, returning a dict with ok/result or the failure."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            with limit():
                res = fn()
        except Exception as exc:  # noqa: BLE001 - recorded in the golden
            kind, msg = describe(exc)
            return {"ok": False, "kind": kind, "error": msg}
        out = {"ok": True, "result": res}
        if w:
            out["warn"] = str(w[0].message)
        return out


def ids(revs):
    return [r.revision for r in revs]


def apply_steps(steps, rows):
    table = Table(rows)
    trace = []
    for step in steps:
        table.update_to_step(step)
        name = step.revision.revision if hasattr(step, "revision") else None
        trace.append(
            {
                "rev": name,
                "dir": "up" if step.is_upgrade else "down",
                "rows": sorted(table.heads),
            }
        )
    return trace, sorted(table.heads)


def q_upgrade(sd, rows, target):
    def fn():
        steps = sd._upgrade_revs(target, tuple(rows))
        trace, final = apply_steps(steps, rows)
        return {"steps": trace, "to": final}

    return run(fn)


def q_downgrade(sd, rows, target):
    def fn():
        steps = sd._downgrade_revs(target, tuple(rows))
        trace, final = apply_steps(steps, rows)
        return {"steps": trace, "to": final}

    return run(fn)


def q_stamp(sd, rows, target, purge):
    def fn():
        heads = () if purge else tuple(rows)
        steps = sd._stamp_revs((target,), heads)
        table = Table(heads)
        trace = []
        for step in steps:
            table.update_to_step(step)
            trace.append(
                {"dir": "up" if step.is_upgrade else "down", "rows": sorted(table.heads)}
            )
        return {"steps": trace, "to": sorted(table.heads)}

    return run(fn)


def q_resolve(rm, rows, target):
    def fn():
        got = rm._parse_upgrade_target(
            current_revisions=tuple(rows), target=target, assert_relative_length=True
        )
        out = []
        for r in got:
            if not isinstance(r, revmod.Revision):
                raise AssertionError("resolved to %r" % (r,))
            out.append(r.revision)
        return out

    return run(fn)


def q_show(sd, target):
    """alembic show: get_revisions of the target."""

    def fn():
        out = []
        for r in sd.get_revisions(target):
            if not isinstance(r, revmod.Revision):
                raise AssertionError("resolved to %r" % (r,))
            out.append(r.revision)
        return out

    return run(fn)


def q_history(sd, rows, rng):
    """Mirror of alembic.command.history."""

    def fn():
        if rng is not None:
            if ":" not in rng:
                raise CommandError(
                    "History range requires [start]:[end], [start]:, or :[end]"
                )
            base, head = rng.strip().split(":")
        else:
            base = head = None
        rev = tuple(rows)
        if head == "current":
            b, h = base, rev
        elif base == "current":
            b, h = rev, head
        else:
            b, h = base, head
        return ids(sd.walk_revisions(base=b or "base", head=h or "heads"))

    return run(fn)


def q_current(sd, rows):
    return run(lambda: sorted(r.revision for r in sd.get_all_current(tuple(rows))))


def structure(rm, sd):
    out = {}
    out["heads"] = list(rm.heads)
    out["real_heads"] = list(rm._real_heads)
    out["bases"] = list(rm.bases)
    walk = list(sd.walk_revisions())
    out["walk"] = ids(walk)
    out["branch_points"] = [r.revision for r in walk if r.is_branch_point]
    out["labels"] = {
        r.revision: sorted(r.branch_labels) for r in walk if r.branch_labels
    }
    return out


def rand_id(rng, style):
    hexd = "0123456789abcdef"
    if style == "short" and rng.random() < 0.5:
        return "".join(rng.choice(hexd) for _ in range(3))
    if style == "shared" and rng.random() < 0.6:
        return rng.choice(["ab", "abc", "ae10", "base", "head"]) + "".join(
            rng.choice(hexd) for _ in range(rng.choice([2, 4, 6]))
        )
    return "".join(rng.choice(hexd) for _ in range(12))


def random_graph(rng):
    style = rng.choice(["plain", "plain", "short", "shared"])
    n = rng.randint(2, 12)
    revs = []
    used = set()
    labels_used = set()

    def new_id():
        while True:
            i = rand_id(rng, style)
            if i not in used and i not in labels_used:
                used.add(i)
                return i

    children = {}
    for k in range(n):
        heads = [r["id"] for r in revs if not children.get(r["id"])]
        roll = rng.random()
        if not revs or roll < 0.12:
            down = []
        elif roll < 0.3 and len(heads) >= 2:
            down = rng.sample(heads, rng.choice([2, 2, 3]) if len(heads) >= 3 else 2)
        elif roll < 0.65:
            down = [rng.choice(heads)]
        else:
            down = [rng.choice(revs)["id"]]
        deps = []
        if revs and rng.random() < 0.22:
            cands = [r["id"] for r in revs if r["id"] not in down]
            if cands:
                deps = rng.sample(cands, min(len(cands), rng.choice([1, 1, 2])))
        r = {"id": new_id(), "down": down, "deps": deps, "labels": []}
        if rng.random() < 0.18:
            lab = rng.choice(["feat", "billing", "core", "lab", "work", "aux"])
            if lab not in labels_used and lab not in used:
                labels_used.add(lab)
                r["labels"] = [lab]
        for d in down:
            children.setdefault(d, []).append(r["id"])
        revs.append(r)
    # dependencies sometimes name a label
    labelled = {r["labels"][0]: r["id"] for r in revs if r["labels"]}
    for r in revs:
        for i, d in enumerate(r["deps"]):
            for lab, owner in labelled.items():
                if owner == d and rng.random() < 0.5:
                    r["deps"][i] = lab
    if rng.random() < 0.3:
        rng.shuffle(revs)
    return revs


def R(id_, down=(), deps=(), labels=()):
    return {"id": id_, "down": list(down), "deps": list(deps), "labels": list(labels)}


HAND = {
    # linear
    "linear": [R("a1b2c3d4e5f6"), R("b2c3d4e5f6a1", ["a1b2c3d4e5f6"]), R("c3d4e5f6a1b2", ["b2c3d4e5f6a1"])],
    # branch and merge (test_revision.py BranchTravellingTest shape)
    "branch_merge": [
        R("a1"), R("b1", ["a1"]), R("c1", ["b1"]),
        R("b2", ["a1"]), R("c2", ["b2"]), R("d1", ["c1", "c2"]), R("e1", ["d1"]),
    ],
    # labelled branches from a common base (MultipleBaseTest shape)
    "labelled_bases": [
        R("base1", labels=["l1"]), R("a1", ["base1"]), R("b1", ["a1"]),
        R("base2", labels=["l2"]), R("a2", ["base2"]), R("b2", ["a2"]),
        R("base3", labels=["l3"]), R("a3", ["base3"]),
    ],
    # depends_on across branches (DependsOnBranchTestOne shape)
    "depends_across": [
        R("a1", labels=["lib"]), R("b1", ["a1"]), R("c1", ["b1"]),
        R("a2", labels=["app"]), R("b2", ["a2"], deps=["b1"]), R("c2", ["b2"]),
    ],
    # notes item 1: c depends on a and b
    "deps_two": [R("aaaa1111"), R("bbbb2222"), R("cccc3333", ["aaaa1111"], deps=["bbbb2222"])],
    "deps_only_base": [R("aaaa1111"), R("bbbb2222"), R("cccc3333", deps=["aaaa1111", "bbbb2222"])],
    # dependency on a label
    "deps_label": [
        R("a1", labels=["x"]), R("b1", ["a1"]), R("a2"), R("b2", ["a2"], deps=["x"]),
    ],
    # merge parent also reached through depends_on
    "merge_dep": [R("m0"), R("m1", ["m0"]), R("m2", ["m0"]), R("m3", ["m1", "m2"], deps=["m1"]),
                  R("m4", ["m2"]), R("m5", ["m3", "m4"])],
    # prefixes and symbols
    "prefix": [R("base123"), R("basf456", ["base123"]), R("abc", ["basf456"]), R("abcd1", ["abc"]),
               R("abcd2", ["abc"]), R("headx1", ["abcd1"], labels=["headlbl"])],
    # a label on a mid-chain revision and a branch point above
    "label_spread": [
        R("r1"), R("r2", ["r1"]), R("r3", ["r2"], labels=["mid"]), R("r4", ["r3"]),
        R("r5", ["r1"]), R("r6", ["r5"], labels=["side"]),
    ],
    # three-way merge
    "merge3": [R("t0"), R("t1", ["t0"]), R("t2", ["t0"]), R("t3", ["t0"]), R("t4", ["t1", "t2", "t3"])],
    # merge then branch again
    "diamond2": [
        R("d0"), R("d1", ["d0"]), R("d2", ["d0"]), R("d3", ["d1", "d2"]),
        R("d4", ["d3"]), R("d5", ["d3"]), R("d6", ["d4", "d5"]),
    ],
    # test_revision.py MultipleBaseCrossDependencyTestOne shape
    "cross_dep": [
        R("base1", labels=["b_1"]), R("a1a", ["base1"]), R("b1a", ["a1a"]),
        R("base2", labels=["b_2"]), R("a2", ["base2"], deps=["a1a"]), R("b2", ["a2"]),
        R("base3", labels=["b_3"]), R("a3", ["base3"]), R("b3", ["a3"], deps=["b2"]),
    ],
    "empty": [],
    "single": [R("solo0001")],
}

INVALID = {
    "duplicate": [R("aaaa"), R("bbbb", ["aaaa"]), R("bbbb", ["aaaa"])],
    "missing_parent": [R("aaaa"), R("bbbb", ["zzzz"])],
    "missing_dep": [R("aaaa"), R("bbbb", ["aaaa"], deps=["nope"])],
    "label_twice": [R("aaaa", labels=["x"]), R("bbbb", ["aaaa"], labels=["x"])],
    "label_is_id": [R("aaaa"), R("bbbb", ["aaaa"], labels=["aaaa"])],
    "cycle": [R("aaaa", ["cccc"]), R("bbbb", ["aaaa"]), R("cccc", ["bbbb"])],
    "cycle_with_base": [R("root"), R("aaaa", ["root", "cccc"]), R("bbbb", ["aaaa"]), R("cccc", ["bbbb"])],
    "dep_cycle": [R("aaaa"), R("bbbb", ["aaaa"], deps=["cccc"]), R("cccc", ["aaaa"], deps=["bbbb"])],
    "dep_cycle_long": [R("aaaa"), R("bbbb", ["aaaa"]), R("cccc", ["bbbb"]), R("dddd", deps=["cccc"]),
                       R("eeee", ["dddd"]), R("ffff", ["eeee"])],
    "self_loop": [R("aaaa", ["aaaa"])],
}
# a real cycle through depends_on: bbbb's parent depends on dddd which descends from bbbb
INVALID["dep_cycle_long"][2]["deps"] = ["ffff"]


# Explicit questions on hand-made graphs, beyond what graph_cases asks:
# downgrade label@rev where rev lies outside the label's own revisions
# (below it, on another branch, or reached only through depends_on), and
# stamp with several targets at once.
EXPLICIT = {
    "depends_across": (HAND["depends_across"], [
        ("downgrade", ["c1", "c2"], t)
        for t in ["app@b1", "app@a1", "lib@a2", "app@a2", "app@base", "lib@b2", "lib@a1", "app@b2"]
    ] + [
        ("downgrade", ["c2"], t) for t in ["app@b1", "app@a1", "lib@a1"]
    ] + [
        ("stamp", rows, ts)
        for rows in ([], ["c1"], ["c1", "c2"], ["b2"])
        for ts in (["c1", "c2"], ["b1", "b2"], ["a1", "c2"], ["base", "c1"], ["lib@head", "app@head"], ["heads"])
    ]),
    "label_spread": (HAND["label_spread"], [
        ("downgrade", ["r4", "r6"], t)
        for t in ["mid@r2", "mid@r1", "side@r1", "mid@r3", "mid@r5", "side@r2", "side@base", "mid@base"]
    ] + [
        ("stamp", rows, ts)
        for rows in ([], ["r4"], ["r2"], ["r4", "r6"])
        for ts in (["r4", "r6"], ["r3", "r5"], ["r2", "r6"], ["mid@head", "side@head"])
    ]),
    "labelled_bases": (HAND["labelled_bases"], [
        ("downgrade", ["b1", "b2", "a3"], t)
        for t in ["l1@a1", "l1@base1", "l2@a1", "l1@a2", "l3@base", "l2@base2"]
    ] + [
        ("stamp", rows, ts)
        for rows in ([], ["b1"], ["b1", "b2", "a3"])
        for ts in (["b1", "b2"], ["a1", "a2", "a3"], ["l1@head", "l3@head"], ["base", "b2"])
    ]),
    "cross_dep": (HAND["cross_dep"], [
        ("downgrade", ["b1a", "b3"], t)
        for t in ["b_3@a2", "b_3@a1a", "b_2@a1a", "b_1@a2", "b_3@base2"]
    ] + [
        ("stamp", rows, ts)
        for rows in ([], ["b1a"], ["b1a", "b3"])
        for ts in (["b1a", "b2"], ["a2", "a3"], ["b3", "b1a"])
    ]),
}


def explicit_cases(name, revs, questions):
    rm, sd = build(revs)
    g = {"name": name, "revisions": revs}
    g.update(structure(rm, sd))
    cases = []
    for op, rows, target in questions:
        if op == "downgrade":
            cases.append({"op": op, "rows": rows, "target": target, **q_downgrade(sd, rows, target)})
        else:
            cases.append({"op": "stamp_all", "rows": rows, "targets": target, **q_stamp_all(sd, rows, target)})
    g["cases"] = cases
    return g


def q_stamp_all(sd, rows, targets):
    def fn():
        steps = sd._stamp_revs(tuple(targets), tuple(rows))
        table = Table(rows)
        trace = []
        for step in steps:
            table.update_to_step(step)
            trace.append(
                {"dir": "up" if step.is_upgrade else "down", "rows": sorted(table.heads)}
            )
        return {"steps": trace, "to": sorted(table.heads)}

    return run(fn)


def states(rm, sd, rng, revs):
    """Version-row states reachable by upgrading from empty."""
    out = [[]]
    hs = list(rm._real_heads)
    if hs:
        out.append(hs)
    cands = [r["id"] for r in revs]
    rng.shuffle(cands)
    for t in cands[:3]:
        res = q_upgrade(sd, [], t)
        if res["ok"] and res["result"]["to"] not in out:
            out.append(res["result"]["to"])
    # two branches applied separately
    if len(cands) >= 2:
        r1 = q_upgrade(sd, [], cands[0])
        if r1["ok"]:
            r2 = q_upgrade(sd, r1["result"]["to"], cands[1])
            if r2["ok"] and r2["result"]["to"] not in out:
                out.append(r2["result"]["to"])
    return out


def targets(revs, rng):
    ts = ["head", "heads", "base", "+1", "+2", "-1", "-2", "zzzz9999"]
    labels = sorted({l for r in revs for l in r["labels"]})
    for r in revs:
        ts.append(r["id"])
    for r in rng.sample(revs, min(3, len(revs))):
        i = r["id"]
        ts += [i[:4], i[:1], i + "+1", i + "-1", i + "@head", i + "+2"]
    for l in labels:
        ts += [l, l + "@head", l + "@base", l + "@heads", l + "@+1", l + "@-1", l[:3]]
    return list(dict.fromkeys(ts))


def graph_cases(name, revs, rng, full=True):
    g = {"name": name, "revisions": revs}
    res = run(lambda: build(revs))
    rm, sd = res["result"] if res["ok"] else (None, None)
    st = run(lambda: structure(rm, sd))
    if not st["ok"]:
        g["invalid"] = st
        return g
    g.update(st["result"])
    cases = []
    sts = states(rm, sd, rng, revs)
    ts = targets(revs, rng)
    for rows in sts:
        sample = ts if full else rng.sample(ts, min(len(ts), 5))
        for t in sample:
            cases.append({"op": "upgrade", "rows": rows, "target": t, **q_upgrade(sd, rows, t)})
            cases.append({"op": "downgrade", "rows": rows, "target": t, **q_downgrade(sd, rows, t)})
        for t in rng.sample(ts, min(len(ts), 6 if full else 3)):
            cases.append({"op": "resolve", "rows": rows, "target": t, **q_resolve(rm, rows, t)})
            cases.append({"op": "stamp", "rows": rows, "target": t, **q_stamp(sd, rows, t, False)})
        pt = rng.choice(ts)
        cases.append({"op": "stamp_purge", "rows": rows, "target": pt, **q_stamp(sd, rows, pt, True)})
        cases.append({"op": "current", "rows": rows, **q_current(sd, rows)})
        for rg in (":current", "current:", "-1:current"):
            cases.append({"op": "history", "rows": rows, "target": rg, **q_history(sd, rows, rg)})
    ranges = [None, "base:", ":heads", "-1:", ":head", "x", "heads:", ":base", "a:b:c"]
    ids_ = [r["id"] for r in revs]
    labels = sorted({l for r in revs for l in r["labels"]})
    for _ in range(10 if full else 4):
        if ids_:
            a, b = rng.choice(ids_), rng.choice(ids_)
            ranges += ["%s:%s" % (a, b), "%s:" % a, ":%s" % b, "%s:%s@head" % (a, b)]
    for l in labels:
        ranges += ["%s@base:%s@head" % (l, l), ":%s@head" % l, "%s@base:" % l]
    for rg in dict.fromkeys(ranges):
        cases.append({"op": "history", "rows": [], "target": rg, **q_history(sd, [], rg)})
    for t in ts:
        cases.append({"op": "show", "rows": [], "target": t, **q_show(sd, t)})
    g["cases"] = cases
    return g


def main():
    rng = random.Random(20261123)
    hand = [graph_cases(name, revs, rng) for name, revs in HAND.items()]
    invalid = []
    for name, revs in INVALID.items():
        res = run(lambda: structure(*build(revs)))
        invalid.append({"name": name, "revisions": revs, "alembic": res})
    rand = []
    for k in range(120):
        revs = random_graph(rng)
        rand.append(graph_cases("random%03d" % k, revs, rng, full=False))
    explicit = [explicit_cases(name, revs, qs) for name, (revs, qs) in EXPLICIT.items()]
    for fname, data in (("hand.json", hand), ("invalid.json", invalid), ("random.json", rand),
                        ("explicit.json", explicit)):
        with open(os.path.join(OUT, fname), "w") as f:
            json.dump(data, f, indent=None, separators=(",", ":"), sort_keys=True)
            f.write("\n")
    total = sum(len(g.get("cases", [])) for g in hand + rand + explicit)
    print("graphs: %d hand, %d random, %d invalid; cases: %d" % (len(hand), len(rand), len(invalid), total))


if __name__ == "__main__":
    sys.exit(main())
