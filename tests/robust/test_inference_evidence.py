#!/usr/bin/env python3
"""(23) The inference without ptrace rights attaches a PID 1 to a namespace the kernel named only
on unambiguous evidence, and never shows one namespace twice.

Inside a PID + mount namespace of its own (its procfs shows only what the test builds), root
builds, with truth read as root from every ns/pid:

  twin: N, a root init n1 and a root `unshare` that `nsenter -t n1 -p` put in N; below it M,
        whose only process runs as user 65534. That user's run reads M's member, learns N from
        NS_GET_PARENT, and must show N once, with its real inode and both root members, M below.
  pair: C1 and C2, two root inits started in that order (C1's PIDs are lower), each in a cgroup
        of its own where cgroup v2 is writable; then `nsenter -t c2 -p` starts a process of
        user 65534 in C2, as `docker exec -u` does. The user's run names C2 through it. C2's
        init must be the one attached to C2's inode (its cgroup is the member's), C1 must stay
        inferred apart, and `--translate c1 --to <C2's inode>` must fail. Without a writable
        cgroup v2 nothing tells the two inits apart: both stay inferred.

User 65534 then runs pidns-tree over that procfs, as JSON, text and --translate.
"""
import json
import os
import subprocess
import sys
import time

import harness as h
from harness.cgroups import Scene

AS_NOBODY = ["setpriv", f"--reuid={h.NOBODY}", f"--regid={h.NOBODY}", "--clear-groups"]


def descendants(pid):
    out = []
    for c in h.child_pids(pid):
        out += [c] + descendants(c)
    return out


def settle(pid, count):
    """Waits until PID has COUNT descendants that have exec'd sleep, and returns them all."""
    def ready():
        ds = descendants(pid)
        sleeping = [d for d in ds if h.status_fields(d)["Name"] == "sleep"]
        return ds if len(sleeping) == count else None
    return h.wait_for(f"{count} sleep below {pid}", ready)


def build_twin(box):
    n = box.start(["unshare", "--pid", "--fork", "--kill-child", "sleep", "600"])
    n1 = settle(n.pid, 1)[0]
    y = box.start(["nsenter", "--target", str(n1), "--pid", "--", "unshare", "--pid", "--fork",
                   "--kill-child", *AS_NOBODY, "sleep", "600"])
    below_y = settle(y.pid, 1)
    m1 = [p for p in below_y if h.status_fields(p)["Name"] == "sleep"][0]
    y_pid = [p for p in below_y if p != m1][0]
    return {"n1": n1, "y": y_pid, "m1": m1}


def build_pair(box):
    c1 = box.start(["unshare", "--pid", "--fork", "--kill-child", "sleep", "600"],
                   box.cgroup("c1"))
    c1_init = settle(c1.pid, 1)[0]
    c2_group = box.cgroup("c2")
    c2 = box.start(["unshare", "--pid", "--fork", "--kill-child", "sleep", "600"], c2_group)
    c2_init = settle(c2.pid, 1)[0]
    e = box.start(["nsenter", "--target", str(c2_init), "--pid", "--", *AS_NOBODY,
                   "sleep", "600"], c2_group)
    e_pid = settle(e.pid, 1)[-1]
    return {"c1": c1_init, "c2": c2_init, "e": e_pid, "cgroups": c2_group is not None}


def inner(scene):
    box = Scene("evidence")
    try:
        who = build_twin(box) if scene == "twin" else build_pair(box)
        time.sleep(0.2)
        truth = {who[k]: h.stat_ns(f"/proc/{who[k]}/ns/pid") for k in who if k != "cgroups"}
        doc_run = h.run(["--json"], prefix=h.AS_NOBODY, text=True)
        text_run = h.run(["--color=never"], prefix=h.AS_NOBODY, text=True)
        if doc_run.returncode != 0:
            print(f"pidns-tree --json as 65534: exit {doc_run.returncode}: {doc_run.stderr}")
            return 1
        doc = json.loads(doc_run.stdout)
        if scene == "twin":
            errors = check_twin(who, truth, doc, text_run)
        else:
            translate = h.run(["--translate", str(who["c1"]), "--to", str(truth[who["c2"]][1])],
                              prefix=h.AS_NOBODY, text=True)
            errors = check_pair(who, truth, doc, translate)
        for e in errors:
            print(f"FAIL ({scene}):", e)
        if errors:
            print(text_run.stdout)
        return 1 if errors else 0
    finally:
        box.close()


def members(doc):
    """Every namespace node, and the node holding each PID."""
    nodes = [n for n, _ in h.walk(doc["pidns"])]
    return nodes, {p["pid"]: n for n in nodes for p in n.get("processes", [])}


def check_twin(who, truth, doc, text_run):
    """N once, with its inode and both members; M below it."""
    errors = []
    nodes, holding = members(doc)
    n_ino = truth[who["n1"]][1]
    n_nodes = [n for n in nodes if n.get("ino") == n_ino]
    if len(n_nodes) != 1:
        errors.append(f"N (pid:[{n_ino}]) appears {len(n_nodes)} times")
    for name in ("n1", "y"):
        node = holding.get(who[name], {})
        if node.get("ino") != n_ino:
            errors.append(f"{name} ({who[name]}) is in {node.get('label')} ino {node.get('ino')},"
                          f" not N's {n_ino}")
    if n_nodes and n_nodes[0].get("init") != who["n1"]:
        errors.append(f"N's init is {n_nodes[0].get('init')}, not n1 {who['n1']}")
    kids = [c.get("ino") for n in n_nodes for c in n.get("children", [])]
    if truth[who["m1"]][1] not in kids:
        errors.append(f"M (pid:[{truth[who['m1']][1]}]) is not below N: {kids}")
    count = text_run.stdout.count(f"pid:[{n_ino}]")
    if text_run.returncode != 0 or count != 1:
        errors.append(f"text: pid:[{n_ino}] appears {count} times")
    return errors


def check_pair(who, truth, doc, translate):
    """C2's inode holds C2's init and the exec'd member; C1 stays apart."""
    errors = []
    _, holding = members(doc)
    c2_ino = truth[who["c2"]][1]
    c1_node = holding.get(who["c1"], {})
    if c1_node.get("ino") == c2_ino:
        errors.append(f"c1 ({who['c1']}) is shown in C2's inode {c2_ino}")
    if not (c1_node.get("ns_inferred") is True and c1_node.get("init") == who["c1"]):
        errors.append(f"c1 ({who['c1']}) is not inferred apart: {c1_node.get('label')}")
    if holding.get(who["e"], {}).get("ino") != c2_ino:
        errors.append(f"e ({who['e']}) is not in C2's inode {c2_ino}")
    c2_node = holding.get(who["c2"], {})
    if who["cgroups"] and c2_node.get("ino") != c2_ino:
        errors.append(f"c2 ({who['c2']}) is not in C2's inode {c2_ino} though its cgroup is e's:"
                      f" {c2_node.get('label')} {c2_node.get('ino')}")
    if not who["cgroups"]:
        print("no writable cgroup v2: nothing tells c1 and c2 apart; both must stay inferred")
        if c2_node.get("ns_inferred") is not True:
            errors.append(f"c2 ({who['c2']}) is attached to C2 without evidence")
    if translate.returncode != 1 or translate.stdout != "":
        errors.append(f"--translate c1 --to C2: exit {translate.returncode}, {translate.stdout!r}")
    return errors


def test():
    if os.geteuid() != 0:
        raise h.Skip("needs root to build namespaces that another user may not inspect")
    for tool in ("unshare", "nsenter", "setpriv"):
        h.need_program(tool)
    failed = []
    with h.UserBinary() as ub:
        for scene in ("twin", "pair"):  # each in a sandbox of its own: neither is evidence
            res = subprocess.run(["unshare", "--pid", "--fork", "--kill-child", "--mount-proc",
                                  sys.executable, os.path.abspath(__file__), "--inner", scene],
                                 stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                 timeout=120, env=dict(os.environ, PIDNS_TREE=ub.path))
            print(res.stdout, end="")
            if res.returncode != 0:
                failed.append(f"{scene}: exit {res.returncode}: {res.stderr}")
    if failed:
        raise AssertionError("; ".join(failed))


if __name__ == "__main__" and sys.argv[1:2] == ["--inner"]:
    sys.exit(inner(sys.argv[2]))
h.main(test)
