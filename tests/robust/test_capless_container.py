#!/usr/bin/env python3
"""(23) In a container without capabilities over the host's procfs, the host's kernel threads are
placed by the same rules as any process, and summarised as usual.

pidns-tree runs as root with every capability dropped (an empty bounding and inheritable set, so
the exec leaves it none: `podman run --cap-drop ALL`) in a PID namespace of its own, over the
host's /proc: as in a container that mounts the host's procfs at /host/proc. It may read no other
root process's ns/pid, the kernel threads' included, but everyone's status. Every kernel thread
the host has (as root reads them) must be listed, marked a kernel thread, in the namespace of
kthreadd, PID 2, at the top of what is shown, and none counted as not shown; the text sums them
up in one row of that namespace.
"""
import json
import os

import harness as h

CAPLESS = ["unshare", "--pid", "--fork", "--kill-child", "setpriv", "--bounding-set=-all",
           "--inh-caps=-all", "--"]


def test():
    if os.geteuid() != 0:
        raise h.Skip("needs root to drop every capability of root")
    for tool in ("unshare", "setpriv"):
        h.need_program(tool)
    kernel_threads = h.kernel_thread_pids()
    if 2 not in kernel_threads:
        raise h.Skip("no kthreadd (PID 2) in this /proc: not a host's procfs")
    r = h.run(["--json", "--jobs", "1"], prefix=CAPLESS, text=True)
    lines = h.check_clean_exit(r, allow_forest=True)
    doc = json.loads(r.stdout)
    holding = {}
    for node, _ in h.walk(doc["pidns"]):
        for p in node.get("processes", []):
            holding[p["pid"]] = (node, p)
    now = h.kernel_thread_pids()  # those that lived through the run
    missing = sorted(pid for pid in kernel_threads & now if pid not in holding)
    h.eq("kernel threads", "not placed", missing, [])
    kthreadd_ns = holding[2][0]
    for pid in sorted(kernel_threads & now):
        node, p = holding[pid]
        h.eq(f"kernel thread {pid}", "namespace", node.get("label"), kthreadd_ns.get("label"))
        h.eq(f"kernel thread {pid}", "kernel_thread", p.get("kernel_thread"), True)
    h.eq("kthreadd's namespace", "level", kthreadd_ns["level"], 0)
    for line in lines:
        for pid in kernel_threads:
            if f" {pid}," in line and "not shown" in line:
                raise AssertionError(f"kernel thread {pid} counted as not shown: {line}")
    text = h.run(["--jobs", "1"], prefix=CAPLESS, text=True)
    h.check_clean_exit(text, allow_forest=True)
    rows = [ln for ln in text.stdout.splitlines() if "kernel thread" in ln]
    h.eq("text", "kernel thread rows", len(rows), 1)
    print(f"{len(kernel_threads & now)} kernel threads placed in {kthreadd_ns['label']}")


h.main(test)
