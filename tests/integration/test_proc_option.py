#!/usr/bin/env python3
"""(e) pidns-tree on the host with --proc pointing at a child namespace's procfs: processes are
numbered as that procfs numbers them, and the namespaces above it (found with NS_GET_PARENT)
appear as hidden ancestors, the caller's one marked current."""

import harness as h


def check_ancestors(fx, doc, text, top):
    """Namespaces above fixture namespace `top`: hidden, without processes, one level apart,
    the caller's namespace at the root and current."""
    nodes = h.index_tree(doc["pidns"])
    text_nodes = h.index_tree(h.parse_text(text), keyed_by_dev=False)
    chain = [(fx.caller["dev"], fx.caller["ino"])]
    chain += [(fx.ns(i)["dev"], fx.ns(i)["ino"]) for i in range(top)]  # a chain in this SPEC
    for level, key in enumerate(chain):
        for kind, got in (("json", nodes.get(key)), ("text", text_nodes.get(key[1]))):
            where = f"{kind}: ancestor pid:[{key[1]}] of --proc's namespace"
            if got is None:
                raise AssertionError(f"{where} missing")
            want_parent = None if level == 0 else chain[level - 1]
            if kind == "text" and want_parent is not None:
                want_parent = want_parent[1]
            facts = (got["level"], got["hidden"], got["process_count"], got["parent_key"],
                     got["current"])
            want = (level, True, 0, want_parent, level == 0)
            if facts != want:
                raise AssertionError(f"{where}: (level, hidden, processes, parent, current) = "
                                     f"{facts}, want {want}")
            if kind == "json" and got["init"] is not None:
                raise AssertionError(f"{where}: init {got['init']}")
    if len(doc["pidns"]) != 1:
        raise AssertionError(f"json: {len(doc['pidns'])} roots, want 1")


def test():
    with h.Fixture("1(2(2(1,1),1))", mount_proc=True, prefix="nsfxe") as fx:
        for top in (0, 2):  # below the caller's namespace, and two fixture namespaces deeper
            proc = fx.ns(top)["proc"]
            doc = h.run_json(["--proc", proc])
            text = h.run_tool(["--proc", proc, "--color=never"])
            if doc["proc"] != proc:
                raise AssertionError(f"json: proc is {doc['proc']!r}, want {proc!r}")
            h.compare(fx, doc=doc, text=text, top=top)
            check_ancestors(fx, doc, text, top)
            # The procfs of fixture namespace `top` lies top + 1 levels below the caller's.
            want = {"proc": proc, "ino": fx.ns(top)["ino"], "relation": "descendant",
                    "levels": top + 1}
            for kind, got in (("text", h.procfs_header(text)),
                              ("json", {"proc": doc["proc"], "ino": (doc["procfs"]["ns"] or {})
                                        .get("ino"), "relation": doc["procfs"]["relation"],
                                        "levels": doc["procfs"]["levels"]})):
                if got != want:
                    raise AssertionError(f"{kind}: procfs view {got}, want {want}")


h.main(test)
