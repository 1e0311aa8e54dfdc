#!/usr/bin/env python3
"""(d) pidns-tree run inside a child PID namespace with that namespace's own /proc (nsenter into
its PID and mount namespaces): its namespace is the root, at level 0 and current; the
descendants follow with levels relative to it; PIDs and nstgid are that procfs's numbers."""

import harness as h

TOP = 1  # fixture namespace 1: a child of namespace 0, with two child namespaces of its own


def test():
    nsenter = h.need_program("nsenter")
    with h.Fixture("2(2(1,1),1)", mount_proc=True, prefix="nsfxd") as fx:
        prefix = [nsenter, "--target", str(fx.init_pid(TOP))]
        if fx.wrapped:
            prefix += ["--user", "--preserve-credentials"]
        prefix += ["--pid", "--mount", "--"]
        doc = h.run_json(prefix=prefix)
        text = h.run_tool(["--color=never"], prefix=prefix)
        h.compare(fx, doc=doc, text=text, top=TOP, level_offset=0, extra_names={"pidns-tree"},
                  current=TOP)

        top = fx.ns(TOP)
        roots = [(r["dev"], r["ino"]) for r in doc["pidns"]]
        if roots != [(top["dev"], top["ino"])]:
            raise AssertionError(f"json roots {roots}, want only fixture namespace {TOP}")
        root = doc["pidns"][0]
        if root["level"] != 0 or not root["current"] or root["init"] != 1:
            raise AssertionError(f"json root: level {root['level']}, current {root['current']}, "
                                 f"init {root['init']}")
        # pidns-tree itself is a member of the namespace it runs in, and numbered there.
        selves = [p for p in root["processes"] if p["name"] == "pidns-tree"]
        if len(selves) != 1 or len(selves[0]["nstgid"]) != 1:
            raise AssertionError(f"json: pidns-tree's own process: {selves}")
        if h.parse_text(text)[0]["ino"] != top["ino"]:
            raise AssertionError("text: the first root is not the namespace pidns-tree runs in")


h.main(test)
