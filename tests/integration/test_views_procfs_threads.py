#!/usr/bin/env python3
"""Facts beyond the plain tree, on real namespaces:
- JSON procfs.relation: "same" for pidns-tree's own namespace's procfs; "descendant" with levels k
  for --proc /proc/INIT/root/proc of a fixture namespace k levels below; "ancestor" with levels k
  when pidns-tree runs k levels below the scanned procfs's namespace: nsenter --pid into fixture
  namespace k with the host's /proc, and nsenter --pid --mount into its own mount namespace with
  --proc at a procfs of the host's PID namespace mounted there (by a process of the host's PID
  namespace that joined only that mount namespace).
- thread_count of a namespace is the sum of its members' Threads, with a multi-threaded member."""
import os
import subprocess
import sys
import tempfile

import harness as h

SPEC = "1(2)"
THREADS = 4
THREADED = f"""
import threading, time
for _ in range({THREADS}):
    threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
with open("/proc/self/status") as f:
    print([l.split()[1] for l in f if l.startswith("NStgid:")][0], flush=True)
time.sleep(600)
"""


def check_procfs(where, doc, relation, levels, ns=None, ns_or_none=None):
    procfs = doc["procfs"]
    h.eq(where, "procfs.relation", procfs["relation"], relation)
    h.eq(where, "procfs.levels", procfs["levels"], levels)
    got = procfs["ns"] and h.key(procfs["ns"])
    if ns is not None:
        h.eq(where, "procfs.ns", got, ns)
    if ns_or_none is not None and got not in (None, ns_or_none):
        raise AssertionError(f"{where}: procfs.ns is {got}, want {ns_or_none} or null")


def check_procfs_views(fx, nsenter, tmp):
    check_procfs("/proc", h.run_json(), "same", 0)
    for i in range(len(fx.namespaces)):
        ns, depth = fx.ns(i), fx.ns(i)["depth"]
        check_procfs(f"--proc {ns['proc']}", h.run_json(["--proc", ns["proc"]]),
                     "descendant", depth, ns=h.key(ns))
        enter = [nsenter, "--target", str(fx.init_pid(i))]
        check_procfs(f"in namespace {i}, the host's /proc", h.run_json(prefix=enter + ["--pid"]),
                     "ancestor", depth, ns_or_none=h.key(fx.caller))
        check_procfs(f"in namespace {i}, its own /proc",
                     h.run_json(prefix=enter + ["--pid", "--mount"]), "same", 0, ns=h.key(ns))
        # A procfs of the host's PID namespace inside namespace i's mount namespace: mounted by
        # nsenter --mount alone, whose process stays in the host's PID namespace. The fixture's
        # mounts are private, and they go when it does; umount anyway.
        hostproc = os.path.join(tmp, f"hostproc{i}")
        os.mkdir(hostproc)
        r = subprocess.run(enter + ["--mount", "--", "mount", "-t", "proc", "proc", hostproc],
                             capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise AssertionError(f"mount -t proc in namespace {i}'s mount namespace: {r.stderr}")
        try:
            if os.path.ismount(hostproc):
                raise AssertionError("the procfs mount leaked into the host's mount namespace")
            check_procfs(f"in namespace {i} (pid+mount), --proc {hostproc}",
                         h.run_json(["--proc", hostproc], prefix=enter + ["--pid", "--mount"]),
                         "ancestor", depth, ns_or_none=h.key(fx.caller))
        finally:
            subprocess.run(enter + ["--mount", "--", "umount", hostproc],
                             capture_output=True, timeout=30)


def check_threads(fx, nsenter):
    ns = fx.ns(1)
    cmd = [nsenter, "--target", str(fx.init_pid(1)), "--pid", "--", sys.executable, "-c",
           THREADED]
    with h.Background(cmd) as bg:
        py = int(bg.readline())
        members = [m["pid"] for m in ns["members"]] + [py]
        threads = {p: int(h.status_fields(p)["Threads"]) for p in members}
        h.eq("the threaded member", "Threads", threads[py], THREADS + 1)
        args = ["--ns", str(ns["ino"])]
        node = h.run_json(args)["pidns"][0]
        h.eq("json", "namespace", h.key(node), h.key(ns))
        h.eq("json", "members' threads", {p["pid"]: p["threads"] for p in node["processes"]},
             threads)
        h.eq("json", "thread_count", node["thread_count"], sum(threads.values()))
        row = h.text_namespaces(h.parse_rows(h.run_tool(args + ["--color=never"])))[ns["ino"]]
        h.eq("text", "(process_count, thread_count)",
             (row["process_count"], row["thread_count"]), (len(members), sum(threads.values())))


def test():
    nsenter = h.need_program("nsenter")
    with h.Fixture(SPEC, mount_proc=True, prefix="nsvpt") as fx, \
            tempfile.TemporaryDirectory(prefix="nsvpt-") as tmp:
        check_procfs_views(fx, nsenter, tmp)
        check_threads(fx, nsenter)  # last: its process stays a zombie (inits do not reap)


h.main(test)
