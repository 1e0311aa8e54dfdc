#!/usr/bin/env python3
"""(c) A chain of PID namespaces as deep as the kernel allows (levels 0..32): pidns-tree shows
every level, and the deepest process's nstgid has all 33 numbers."""

import harness as h

MAX_PID_NS_LEVEL = 32
INIT_PID_NS_INO = 0xEFFFFFFC  # PROC_PID_INIT_INO: the initial namespace's inode


def test():
    with h.Fixture("max", prefix="nsfxc") as fx:
        depth = len(fx.namespaces)
        if fx.caller["ino"] == INIT_PID_NS_INO and depth != MAX_PID_NS_LEVEL:
            raise AssertionError(f"nsfixture reached depth {depth}, the kernel allows "
                                 f"{MAX_PID_NS_LEVEL}")
        deepest = fx.ns(depth - 1)["members"][0]
        if len(deepest["nstgid"]) != depth + 1:
            raise AssertionError(f"deepest nstgid {deepest['nstgid']}")
        doc = h.run_json()
        h.compare(fx, doc=doc, text=h.run_tool(["--color=never"]))
        h.compare(fx, text=h.run_tool(["--ascii", "--color=never"]))
        node = h.index_tree(doc["pidns"])[(fx.ns(depth - 1)["dev"], fx.ns(depth - 1)["ino"])]
        if node["level"] != depth:
            raise AssertionError(f"deepest namespace at level {node['level']}, want {depth}")


h.main(test)
