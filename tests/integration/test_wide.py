#!/usr/bin/env python3
"""(b) A wider tree of PID namespaces: siblings, several members each, namespaces of one member:
pidns-tree shows each with its parent, members and init; --no-pids keeps the counts."""

import harness as h

SPEC = "3(2(1,1),4(2),1)"


def test():
    with h.Fixture(SPEC, prefix="nsfxb") as fx:
        if [len(n["members"]) for n in fx.namespaces] != [3, 2, 1, 1, 4, 2, 1]:
            raise AssertionError("nsfixture built something else than " + SPEC)
        h.compare(fx, doc=h.run_json(), text=h.run_tool(["--color=never"]))

        # --no-pids: namespace lines only, with the same counts and nesting.
        text = h.run_tool(["--no-pids", "--color=never"])
        nodes = h.index_tree(h.parse_text(text), keyed_by_dev=False)
        for ns in fx.namespaces:
            got = nodes.get(ns["ino"])
            where = f"--no-pids: fixture namespace {ns['index']}"
            if got is None:
                raise AssertionError(f"{where} missing")
            if got["processes"]:
                raise AssertionError(f"{where}: process lines printed")
            if got["process_count"] != len(ns["members"]) or got["parent_key"] != ns["parent"]["ino"]:
                raise AssertionError(f"{where}: {got['process_count']} processes, parent "
                                     f"{got['parent_key']}")

        # JSON without processes still has the counts.
        doc = h.run_json(["--no-pids"])
        nodes = h.index_tree(doc["pidns"])
        for ns in fx.namespaces:
            got = nodes[(ns["dev"], ns["ino"])]
            if "processes" in got or got["process_count"] != len(ns["members"]):
                raise AssertionError(f"--json --no-pids: fixture namespace {ns['index']}: {got}")


h.main(test)
