#!/usr/bin/env python3
"""Views that select part of the tree, on real namespaces, checked against what nsfixture built:
--pid PID (repeatable): the way down to PID's namespace (ancestors partial, siblings absent), that
namespace's whole subtree, PID marked; --ns NS as an inode, pid:[INODE], /proc/PID/ns/pid and a
bind mount of it: that subtree only; and the failures (unknown PID or inode, a file that is not a
PID namespace) as exit 1 with one stderr line and no stdout."""
import json
import os
import tempfile

import harness as h

# 0 ─┬─ 1 ── 2          ns 1 and ns 3 are sibling branches; ns 5 a leaf beside them
#    ├─ 3 ── 4
#    └─ 5
SPEC = "2(1(1),2(1),1)"
INIT_USER_NS_INO = 0xEFFFFFFD  # PROC_USER_INIT_INO: never the inode of a PID namespace


def check_full(fx, where, node, index):
    """A namespace drawn in full in JSON: not partial, its members exactly as built."""
    want = h.expected_view(fx)[h.key(fx.ns(index))]
    if node.get("partial"):
        raise AssertionError(f"{where}: marked partial")
    if "processes" not in node:
        raise AssertionError(f"{where}: no processes key")
    got = {p["pid"]: p for p in node["processes"]}
    h.eq(where, "member pids", set(got), set(want["processes"]))
    h.eq(where, "level", node["level"], want["level"])
    for pid, wp in want["processes"].items():
        for field in ("name", "nstgid", "ppid"):
            h.eq(f"{where}, pid {pid}", field, got[pid][field], wp[field])


def check_pid_view(fx, pids, doc, text):
    """JSON and text of --pid PIDS: the shown namespaces, which are partial, the marks."""
    member_of = {m["pid"]: n["index"] for n in fx.namespaces for m in n["members"]}
    selected = {member_of[p] for p in pids}
    full = {i for s in selected for i in h.subtree(fx, s)}
    path = {a for s in selected for a in h.ancestors(fx, s)} - full
    fixture_keys = {h.key(n) for n in fx.namespaces}
    where = f"--pid {' --pid '.join(map(str, pids))}"

    nodes = h.json_nodes(doc["pidns"])
    shown = {k for k in nodes if k in fixture_keys}
    h.eq(f"{where} json", "fixture namespaces shown",
         sorted(fx.ns(i)["ino"] for i in range(len(fx.namespaces)) if h.key(fx.ns(i)) in shown),
         sorted(fx.ns(i)["ino"] for i in full | path))
    # Above the fixture: only the way down to it, every namespace partial with one child.
    outside = {k: n for k, n in nodes.items() if k not in fixture_keys}
    if h.key(fx.caller) not in outside:
        raise AssertionError(f"{where} json: the caller's namespace is not on the way down")
    for k, n in outside.items():
        if not n.get("partial") or "processes" in n or len(n["children"]) != 1:
            raise AssertionError(f"{where} json: pid:[{k[1]}] above the fixture: partial "
                                 f"{n.get('partial')}, processes {'processes' in n}, "
                                 f"{len(n['children'])} children")
    for i in path:
        n = nodes[h.key(fx.ns(i))]
        if n.get("partial") is not True or "processes" in n:
            raise AssertionError(f"{where} json: ancestor namespace {i} not drawn as partial: "
                                 f"partial={n.get('partial')}, processes key "
                                 f"{'processes' in n}")
    for i in full:
        check_full(fx, f"{where} json: namespace {i}", nodes[h.key(fx.ns(i))], i)
    marked = sorted(p["pid"] for n in nodes.values() for p in n.get("processes", [])
                    if p.get("selected"))
    h.eq(f"{where} json", "selected processes", marked, sorted(pids))
    for n in nodes.values():
        for p in n.get("processes", []):
            if "selected" in p and p["selected"] is not True:
                raise AssertionError(f"{where} json: pid {p['pid']} selected={p['selected']}")

    rows = h.text_namespaces(h.parse_rows(text))
    h.eq(f"{where} text", "namespaces shown", set(rows), {n["ino"] for n in nodes.values()})
    for n in nodes.values():
        row = rows[n["ino"]]
        h.eq(f"{where} text pid:[{n['ino']}]", "parent", row["parent_ino"],
             n["parent_key"][1] if n["parent_key"] else None)
        procs = h.direct_processes(row)
        if n.get("partial"):
            if procs:
                raise AssertionError(f"{where} text: partial pid:[{n['ino']}] lists processes")
        else:
            h.eq(f"{where} text pid:[{n['ino']}]", "pids", [p["pid"] for p in procs],
                 sorted(p["pid"] for p in n["processes"]))
    marked = sorted(p["pid"] for r in rows.values() for p in h.direct_processes(r)
                    if "(selected)" in p["tail"])
    h.eq(f"{where} text", "(selected) processes", marked, sorted(pids))


def check_ns_view(fx, index, doc, text, where):
    """JSON and text of --ns for fixture namespace INDEX: its subtree only, in full."""
    tops = doc["pidns"]
    if [h.key(t) for t in tops] != [h.key(fx.ns(index))]:
        raise AssertionError(f"{where} json: tops {[t['label'] for t in tops]}, want only "
                             f"pid:[{fx.ns(index)['ino']}]")
    nodes = h.json_nodes(tops)
    want = h.subtree(fx, index)
    h.eq(f"{where} json", "namespaces", set(nodes), {h.key(fx.ns(i)) for i in want})
    for i in want:
        node = nodes[h.key(fx.ns(i))]
        check_full(fx, f"{where} json: namespace {i}", node, i)
        if i != index:
            h.eq(f"{where} json: namespace {i}", "parent", node["parent_key"],
                 h.key(fx.ns(i)["parent"]))
    rows = h.text_namespaces(h.parse_rows(text))
    h.eq(f"{where} text", "namespaces", set(rows), {fx.ns(i)["ino"] for i in want})
    for i in want:
        ns = fx.ns(i)
        row = rows[ns["ino"]]
        h.eq(f"{where} text: namespace {i}", "parent",
             row["parent_ino"], None if i == index else ns["parent"]["ino"])
        h.eq(f"{where} text: namespace {i}", "pids",
             [p["pid"] for p in h.direct_processes(row)], [m["pid"] for m in ns["members"]])
        h.eq(f"{where} text: namespace {i}", "level", row["level"], ns["depth"])


def test():
    with h.Fixture(SPEC, prefix="nsvsl") as fx:
        if [len(n["members"]) for n in fx.namespaces] != [2, 1, 1, 2, 1, 1]:
            raise AssertionError("nsfixture built something else than " + SPEC)
        deep = fx.init_pid(2)                      # in ns 2, below ns 1
        side = fx.ns(3)["members"][1]["pid"]       # a non-init member of ns 3
        middle = fx.init_pid(1)
        for pids in ([deep], [side], [deep, side, middle]):
            args = [a for p in pids for a in ("--pid", str(p))]
            check_pid_view(fx, pids, h.run_json(args), h.run_tool(args + ["--color=never"]))

        missing = h.unused_pid()
        for extra in ([], ["--json"], ["--pid", str(deep)]):
            line, _ = h.run_failure(["--pid", str(missing), *extra])
            if str(missing) not in line:
                raise AssertionError(f"--pid {missing}: stderr does not name the PID: {line!r}")

        ns3 = fx.ns(3)
        forms = [str(ns3["ino"]), f"pid:[{ns3['ino']}]", f"/proc/{fx.init_pid(3)}/ns/pid",
                 f"/proc/{side}/ns/pid"]
        text = h.run_tool(["--ns", forms[0], "--color=never"])
        for form in forms:  # one pidns-tree run costs a second on a loaded host: text once
            check_ns_view(fx, 3, h.run_json(["--ns", form]), text, f"--ns {form}")

        # A bind mount of the nsfs file, made in a private mount namespace that ends with the run.
        unshare = h.need_program("unshare")
        with tempfile.TemporaryDirectory(prefix="nsvsel-") as tmp:
            target = os.path.join(tmp, "pidns")
            open(target, "w", encoding="ascii").close()
            script = 'mount --bind "$1" "$2" && shift 2 && exec "$@"'
            for fmt in (["--json"], ["--color=never"]):
                wrapper = [unshare, "--mount", "--propagation", "private", "--", "sh", "-c",
                           script, "sh", f"/proc/{fx.init_pid(3)}/ns/pid", target]
                out = h.run_tool(["--ns", target, *fmt], prefix=wrapper)
                if fmt == ["--json"]:
                    doc = json.loads(out)
                else:
                    text = out
            check_ns_view(fx, 3, doc, text, f"--ns <bind mount {target}>")
            if os.stat(target).st_size != 0 or h.stat_ns(target) == h.key(ns3):
                raise AssertionError("the bind mount leaked out of its mount namespace")

        for bad in (str(INIT_USER_NS_INO), f"pid:[{INIT_USER_NS_INO}]", "/etc/passwd",
                    "/proc/self/ns/net", f"/proc/{fx.init_pid(3)}/ns/user"):
            h.run_failure(["--ns", bad, "--json"] if bad.startswith("/etc") else ["--ns", bad])


h.main(test)
