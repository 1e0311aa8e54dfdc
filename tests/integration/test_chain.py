#!/usr/bin/env python3
"""(a) A chain of 5 nested PID namespaces, each with its own procfs: pidns-tree on the host shows
every one with the right parent, level, members, nstgid, ppid and init, in JSON and in text."""

import harness as h


def test():
    with h.Fixture("1(1(1(1(1))))", mount_proc=True, prefix="nsfxa") as fx:
        if len(fx.namespaces) != 5 or any(n["proc"] is None for n in fx.namespaces):
            raise AssertionError("nsfixture built something else than a 5-chain with procfs")
        doc = h.run_json()
        h.compare(fx, doc=doc, text=h.run_tool(["--color=never"]))
        h.compare(fx, text=h.run_tool(["--ascii", "--color=never"]))
        # The caller's namespace is the one pidns-tree runs in, and the chain hangs below it.
        nodes = h.index_tree(doc["pidns"])
        caller = (fx.caller["dev"], fx.caller["ino"])
        if not nodes[caller]["current"]:
            raise AssertionError("json: the caller's namespace is not marked current")
        if doc["proc"] != "/proc":
            raise AssertionError(f"json: proc is {doc['proc']!r}")


h.main(test)
