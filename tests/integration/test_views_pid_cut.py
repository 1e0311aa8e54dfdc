#!/usr/bin/env python3
"""--pid with --max-depth: a cut on the way down to the selected namespace must count what the
view would have drawn there, the branch, not the siblings that --pid leaves out anyway (the
README: "cut (what --max-depth left out)").

It once counted the whole real subtree of the cut namespace, ignoring the view, so
`pidns-tree --pid <init of ns 2> --max-depth 1` said "… 5 namespaces with 6 processes below" for
fixture namespace 0, although raising --max-depth shows only 2 namespaces there (1 and 2)."""

import harness as h

# 0 ─┬─ 1 ── 2      --pid selects 2: the way down is 0, 1; 3, 4, 5 are off the path
#    ├─ 3 ── 4
#    └─ 5
SPEC = "1(1(1),2(1),1)"


def test():
    with h.Fixture(SPEC, prefix="nsvpc") as fx:
        args = ["--pid", str(fx.init_pid(2)), "--max-depth", "1"]
        branch = [1, 2]  # what the view draws below namespace 0 without --max-depth
        k = len(branch)
        drawn = len(fx.ns(2)["members"])               # processes drawn (1 is path only)
        total = drawn + len(fx.ns(1)["members"])       # every member of the branch
        node = h.json_nodes(h.run_json(args)["pidns"])[h.key(fx.ns(0))]
        cut = node.get("cut")
        if cut is None or cut["namespaces"] != k or not drawn <= cut["processes"] <= total:
            raise AssertionError(f"json {args}: namespace 0 cut {cut}, want {k} namespaces and "
                                 f"{drawn}..{total} processes (the branch to --pid only)")
        row = h.text_namespaces(h.parse_rows(h.run_tool(args + ["--color=never"])))[
            fx.ns(0)["ino"]]
        cuts = [c for c in row["children"] if c["kind"] == "cut"]
        if len(cuts) != 1 or cuts[0]["namespaces"] != k:
            lines = [c["line"] for c in row["children"]]
            raise AssertionError(f"text {args}: namespace 0 rows {lines}, want one cut row of "
                                 f"{k} namespaces")


h.main(test)
