#!/usr/bin/env python3
"""(18) Without ptrace rights, the structure is inferred from status alone, and marked so.

Inside a PID + mount namespace of its own (its procfs shows only what the test builds), root
builds, with truth read as root from every ns/pid:

  A (cgroup a): init a1 and a member; a member of user 65534 in cgroup a too (readable by
      them: the "mixed" case, where A's real inode must replace the inference, since a1's cgroup
      is that member's; B's init is a PID 1 at the same depth that might have been A's, so
      without a writable cgroup v2 nothing tells, and a1 stays inferred apart)
    C: init c1, made by `nsenter` into A (a process one level below its parent, not PID 1, in
       A's cgroup: placed in A by that cgroup)
       x: joined C from a process in A (setns, then fork): C is A's only child, so x is in C
  B (cgroup b): init b1
    v: joined B from the top (`nsenter -t b1 -p`, in B's cgroup): two candidates, A and B; the
       cgroup tells
  w: joined C straight from the top (two levels down): nothing tells where; not placed

User 65534 then runs pidns-tree over that procfs. Every namespace must appear with exactly its
members, at its level, under the namespace holding its init's parent; B and C as `pid:[?]`
(JSON "ns_inferred": true, dev and ino null), A with its real inode; w counted as not placed;
summary.inferred and the stderr line saying how many were inferred."""
import json
import os
import re
import subprocess
import sys
import time

import harness as h
from harness.cgroups import Scene

NOBODY_SLEEP = ["setpriv", f"--reuid={h.NOBODY}", f"--regid={h.NOBODY}", "--clear-groups",
                "sleep", "600"]


def descendants(pid):
    out = []
    for c in h.child_pids(pid):
        out += [c] + descendants(c)
    return out


def settle(pid, names, timeout=20):
    """Waits until PID's descendants run exactly NAMES (sorted), and returns their PIDs."""
    def ready():
        ds = descendants(pid)
        got = sorted(h.status_fields(d)["Name"] for d in ds)
        return ds if got == sorted(names) else None
    return h.wait_for(f"{names} below {pid}", ready, timeout)


def inner():
    box = Scene("infer")
    try:
        groups = {name: box.cgroup(name) for name in ("a", "b")}
        groups = {name: path for name, path in groups.items() if path}
        a = box.start(["unshare", "--pid", "--fork", "--kill-child", "sh", "-c",
                       "sleep 600 & exec sleep 600"], groups.get("a"))
        a1 = h.wait_for("A's init", lambda: h.child_pids(a.pid))[0]
        settle(a1, ["sleep"])
        # In A's cgroup, as `docker exec -u` puts its process: that is what tells a1 is A's init.
        box.start(["nsenter", "--target", str(a1), "--pid", "--", *NOBODY_SLEEP], groups.get("a"))
        c = box.start(["nsenter", "--target", str(a1), "--pid", "--", "unshare", "--pid", "--fork",
                       "--kill-child", "sleep", "600"], groups.get("a"))
        c_unshare = settle(c.pid, ["unshare", "sleep"])
        c1 = [p for p in c_unshare if h.status_fields(p)["Name"] == "sleep"][0]
        b = box.start(["unshare", "--pid", "--fork", "--kill-child", "sleep", "600"], groups.get("b"))
        b1 = h.wait_for("B's init", lambda: h.child_pids(b.pid))[0]
        v = box.start(["nsenter", "--target", str(b1), "--pid", "--", "sleep", "600"],
                      groups.get("b"))
        box.start(["nsenter", "--target", str(a1), "--pid", "--", "nsenter", "--target", str(c1),
                   "--pid", "--", "sleep", "600"], groups.get("a"))
        w = box.start(["nsenter", "--target", str(c1), "--pid", "--", "sleep", "600"])
        v_pid = settle(v.pid, ["sleep"])[0]
        w_pid = settle(w.pid, ["sleep"])[0]
        time.sleep(0.2)

        # The truth, as root reads it.
        truth = {}
        for pid in h.pids():
            try:
                truth[pid] = (h.stat_ns(f"/proc/{pid}/ns/pid"), h.status_fields(pid))
            except OSError:
                pass
        res = h.run(["--json"], prefix=h.AS_NOBODY, text=True)
        text = h.run(["--color=never"], prefix=h.AS_NOBODY, text=True)
        dot = h.run(["--format", "dot"], prefix=h.AS_NOBODY, text=True)
        return check(truth, res, text, dot, {"a": a1, "b": b1, "c": c1, "v": v_pid, "w": w_pid},
                     bool(groups))
    finally:
        box.close()


def check(truth, res, text, dot, who, with_cgroups):
    if res.returncode != 0:
        print(f"pidns-tree --json as 65534: exit {res.returncode}: {res.stderr}")
        return 1
    doc = json.loads(res.stdout)
    nodes = {h.json_key(n): (n, parent) for n, parent in h.walk(doc["pidns"])}
    members = {k: {p["pid"] for p in n.get("processes", [])} for k, (n, _) in nodes.items()}
    where = {pid: k for k, pids in members.items() for pid in pids}
    by_ns = {}
    for pid, (ns, _) in truth.items():
        by_ns.setdefault(ns, set()).add(pid)
    sandbox = truth[1][0]
    errors = []

    def expect(what, ok):
        if not ok:
            errors.append(what)

    # Every namespace the test built appears with exactly its members (w aside).
    for name in ("a", "b", "c") if with_cgroups else ("b", "c"):
        ns = truth[who[name]][0]
        want = by_ns[ns] - {who["w"]}
        got_key = where.get(who[name])
        got = members.get(got_key, set())
        expect(f"{name}: members {sorted(got)}, want {sorted(want)}", got == want)
        node = nodes[got_key][0] if got_key in nodes else {}
        inferred = name != "a"
        expect(f"{name}: ns_inferred {node.get('ns_inferred')}, want {inferred}",
               node.get("ns_inferred") == inferred)
        if inferred:
            expect(f"{name}: dev/ino {node.get('dev')}/{node.get('ino')}, label {node.get('label')}",
                   node.get("dev") is None and node.get("ino") is None and
                   node.get("label") == "pid:[?]" and node.get("init") == who[name])
        else:
            expect(f"a: ino {node.get('ino')}, want the real {ns[1]}", node.get("ino") == ns[1])
        depth = len(truth[who[name]][1]["NStgid"].split()) - 1
        expect(f"{name}: level {node.get('level')}, want {depth}", node.get("level") == depth)
        parent = nodes[got_key][1] if got_key in nodes else None
        init_parent = int(truth[who[name]][1]["PPid"])
        expect(f"{name}: parent holds {sorted(members.get(h.json_key(parent), ())) if parent else None},"
               f" not its init's parent {init_parent}",
               parent is not None and init_parent in members[h.json_key(parent)])
    if not with_cgroups:  # a1 apart from A, which shows its readable member only
        a_node = nodes.get(where.get(who["a"]), ({},))[0]
        expect(f"a1 ({who['a']}) attached without evidence: {a_node.get('label')}",
               a_node.get("ns_inferred") is True and a_node.get("init") == who["a"])
    expect("the sandbox's own namespace is the top", where.get(1) == (sandbox[0], sandbox[1]))
    expect(f"w ({who['w']}) is placed in {where.get(who['w'])}: nothing tells where",
           who["w"] not in where)
    summary = doc["summary"]
    expect(f"summary {summary}", summary["inferred"] >= 6 and summary["inaccessible"] >= 1)
    expect(f"stderr {res.stderr!r}", re.search(r"\d+ processes placed by inference", res.stderr)
           and "not shown" in res.stderr)
    if not with_cgroups:
        print("no writable cgroup2: v is placed without the cgroup rule, or not at all")
    # Text and DOT say the same.
    expect(f"text: {text.stdout!r}", text.returncode == 0 and
           re.search(rf"pid:\[\?\] level \d+, \d+ process(es)?, \d+ threads?, init {who['b']} "
                     rf"\(inferred\)", text.stdout))
    expect("dot: no node for B", f"ns_inferred_{who['b']} [" in dot.stdout)
    for e in errors:
        print("FAIL:", e)
    if not errors:
        print(f"inferred: {summary['inferred']} processes, {summary['inaccessible']} not placed")
    return 1 if errors else 0


def test():
    if os.geteuid() != 0:
        raise h.Skip("needs root to build namespaces that another user may not inspect")
    for tool in ("unshare", "nsenter", "setpriv"):
        h.need_program(tool)
    with h.UserBinary() as ub:
        res = subprocess.run(["unshare", "--pid", "--fork", "--kill-child", "--mount-proc",
                              sys.executable, os.path.abspath(__file__), "--inner"],
                             stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=120, env=dict(os.environ, PIDNS_TREE=ub.path))
    print(res.stdout, end="")
    if res.returncode != 0:
        raise AssertionError(f"exit {res.returncode}: {res.stderr}")


if __name__ == "__main__" and sys.argv[1:] == ["--inner"]:
    sys.exit(inner())
h.main(test)
