#!/usr/bin/env python3
"""(12) What user 65534 sees is said truthfully:

(a) a process of theirs whose ns/pid they may not read (PR_SET_DUMPABLE 0) and whose parent they
    see at its depth is shown, also when its PID is lower than its parent's (ns_last_pid);
(b) with a procfs that denies other users' status (hidepid=noaccess), a namespace held only by a
    descriptor is "no visible processes", JSON "all_members_seen": false, never "no processes";
    and the ancestors above a procfs's own namespace are the same;
(c) a procfs mounted hidepid=invisible: stderr says that it hides other users' processes;
(d) --proc of a root-owned container's procfs whose PID 1 they may not inspect, but which shows a
    process of theirs at its top: the header names that namespace, as the tree does.
Every procfs is mounted in a private mount namespace that dies with its run."""
import json
import os
import subprocess
import sys

import harness as h

# Forks, as its parent, a child with a chosen PID below its own (written to ns_last_pid by root,
# between "ready" and "go"), which makes itself non-dumpable: nobody else may read its ns/pid.
LOW_CHILD = r"""
import ctypes, os, sys, time
print(os.getpid(), flush=True)
sys.stdin.readline()
if os.fork() == 0:
    ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE
    print(os.getpid(), flush=True)
    time.sleep(600)
    os._exit(0)
time.sleep(600)
"""

# Holds (as fd 3) the namespace of a process it creates in a new PID namespace, then kills it:
# the namespace stays, without members, held by the descriptor.
FD_HELD = r"""
import os, signal, subprocess, sys, time
p = subprocess.Popen(["unshare", "--user", "--map-root-user", "--pid", "--fork", "sleep", "600"])
while True:
    try:
        kids = open(f"/proc/{p.pid}/task/{p.pid}/children").read().split()
    except OSError:
        kids = []
    if kids:
        break
    time.sleep(0.05)
fd = os.open(f"/proc/{kids[0]}/ns/pid", os.O_RDONLY)
st = os.fstat(fd)
os.kill(int(kids[0]), signal.SIGKILL); p.wait()  # unshare reaps its child, then exits
print(st.st_ino, flush=True)
time.sleep(600)
"""


def as_nobody_with_procfs(options, ub, args):
    """pidns-tree as user 65534 over a procfs mounted with OPTIONS in a private mount namespace."""
    mnt = os.path.join(ub.dir, "proc")
    os.makedirs(mnt, exist_ok=True)
    script = 'mount -t proc -o "$1" proc "$2" && shift 2 && exec "$@"'
    return h.run(["--proc", mnt, *args], tool=ub.path,
                 prefix=["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                         "sh", options, mnt, *h.AS_NOBODY])


def case_pid_order(ub, procs):
    parent = h.start(h.AS_NOBODY + [sys.executable, "-c", LOW_CHILD], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE)
    procs.append(parent)
    ppid = int(parent.stdout.readline())
    want = next(p for p in range(ppid - 2, 300, -1) if not os.path.exists(f"/proc/{p}"))
    with open("/proc/sys/kernel/ns_last_pid", "w") as f:
        f.write(str(want - 1))
    parent.stdin.write(b"go\n")
    parent.stdin.flush()
    child = int(parent.stdout.readline())
    if child > ppid:
        print(f"(a) skipped: the child got PID {child}, above its parent's {ppid}")
        return
    doc = json.loads(h.run(["--json"], prefix=h.AS_NOBODY, tool=ub.path).stdout)
    where = {p["pid"]: (n["dev"], n["ino"]) for n, _ in h.walk(doc["pidns"])
             for p in n.get("processes", [])}
    if where.get(child) != h.stat_ns("/proc/self/ns/pid") or where.get(ppid) != where.get(child):
        raise AssertionError(f"(a) child {child} (non-dumpable) of {ppid}: shown in "
                             f"{where.get(child)}, parent in {where.get(ppid)}")
    print(f"(a) non-dumpable child {child} of {ppid}, lower PID than its parent: shown")


def case_no_visible(ub, procs):
    held = h.start(h.AS_NOBODY + [sys.executable, "-c", FD_HELD], stdout=subprocess.PIPE)
    procs.append(held)
    ino = int(held.stdout.readline())
    res = as_nobody_with_procfs("hidepid=noaccess", ub, ["--all", "--json"])
    h.check_clean_exit(res)
    doc = h.parse_json(res)
    nodes = {n["ino"]: n for n, _ in h.walk(doc["pidns"])}
    if ino not in nodes or not nodes[ino]["hidden"] or nodes[ino].get("all_members_seen") is not False:
        raise AssertionError(f"(b) json: the namespace held by a descriptor: {nodes.get(ino)}")
    text = as_nobody_with_procfs("hidepid=noaccess", ub, ["--all", "--color=never"])
    h.check_clean_exit(text)
    lines = [ln for ln in text.stdout.decode().splitlines() if f"pid:[{ino}]" in ln]
    if len(lines) != 1 or "no visible processes" not in lines[0]:
        raise AssertionError(f"(b) text: {lines}")
    print(f"(b) {lines[0].strip(' │├└─')}")


def case_above_procfs(ub, procs):
    inner = h.start(h.AS_NOBODY + ["unshare", "--user", "--map-root-user", "--pid", "--fork",
                                   "--mount", "--mount-proc", "sleep", "600"])
    procs.append(inner)
    init = h.wait_for("the user's namespace", lambda: h.child_pids(inner.pid))[0]
    # Its procfs is mounted once it runs sleep (unshare --mount-proc mounts, then execs).
    h.wait_for("sleep", lambda: h.status_fields(init)["Name"] == "sleep")
    res = h.run(["--proc", f"/proc/{init}/root/proc", "--color=never"], prefix=h.AS_NOBODY,
                tool=ub.path)
    h.check_clean_exit(res)
    rows = h.text_namespaces(h.parse_rows(res.stdout.decode()))
    above = [row for row in rows.values() if row["hidden"]]
    if not above or any("no visible processes" not in row["line"] for row in above):
        raise AssertionError(f"(b) namespaces above the procfs's own: {[r_['line'] for r_ in above]}")
    print(f"(b) above the procfs: {above[0]['line']}")


def case_hidepid(ub):
    res = as_nobody_with_procfs("hidepid=invisible", ub, [])
    if res.returncode != 0 or not res.stdout:
        raise AssertionError(f"(c) {h.describe(res)}")
    lines = res.stderr.decode(errors="replace").splitlines()
    said = [ln for ln in lines if "hidepid=invisible" in ln and "other users" in ln]
    if len(said) != 1:
        raise AssertionError(f"(c) hidepid=invisible: stderr {lines}")
    print(f"(c) {said[0]}")


# As root: a container (PID + mount namespace with its procfs on /proc) holding a root-owned init
# (non-dumpable, so that even its owner's peers may not read it) and a sleep of user 65534.
CONTAINER = ('python3 -c "import ctypes, time; ctypes.CDLL(None).prctl(4, 0, 0, 0, 0); '
             'time.sleep(600)" & setpriv --reuid=65534 --regid=65534 --clear-groups sleep 600 & '
             'wait')


def case_header(ub, procs):
    box = h.start(["unshare", "--pid", "--fork", "--kill-child", "--mount", "--propagation",
                   "private", "--mount-proc", "sh", "-c", CONTAINER])
    procs.append(box)
    init = h.wait_for("the container's init", lambda: h.child_pids(box.pid))[0]
    h.wait_for("the container's processes", lambda: sorted(
        h.status_fields(p)["Name"] for p in h.child_pids(init)) == ["python3", "sleep"])
    mnt = os.path.join(ub.dir, "boxproc")
    os.makedirs(mnt, exist_ok=True)
    # The container's own procfs, mounted (in a private mount namespace) where the user can reach
    # it: nsenter --pid forks the mount into the container's PID namespace.
    script = ('nsenter --target "$1" --pid -- mount -t proc proc "$2" && shift 2 && exec "$@"')
    res = h.run(["--proc", mnt, "--json"], tool=ub.path,
                prefix=["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                        "sh", str(init), mnt, *h.AS_NOBODY])
    h.check_clean_exit(res)
    doc = h.parse_json(res)
    box_ns = h.stat_ns(f"/proc/{init}/ns/pid")
    if doc["procfs"]["ns"] != {"dev": box_ns[0], "ino": box_ns[1]} or \
            doc["procfs"]["relation"] != "descendant":
        raise AssertionError(f"(d) procfs {doc['procfs']}, want pid:[{box_ns[1]}], descendant")
    print(f"(d) header: pid:[{box_ns[1]}], {doc['procfs']['levels']} level below, as the tree")


def test():
    if os.geteuid() != 0:
        raise h.Skip("needs root to mount procfs instances and to switch users")
    for tool, package in (("unshare", "util-linux"), ("setpriv", "util-linux"),
                          ("nsenter", "util-linux"), ("mount", "mount")):
        h.need_program(tool, package)
    probe = h.start(h.AS_NOBODY + ["unshare", "--user", "--map-root-user", "true"])
    if probe.wait(timeout=30) != 0:
        raise h.Skip("user 65534 cannot create user namespaces here")
    procs = []
    with h.UserBinary() as ub:
        try:
            case_pid_order(ub, procs)
            case_no_visible(ub, procs)
            case_above_procfs(ub, procs)
            case_hidepid(ub)
            case_header(ub, procs)
        finally:
            h.kill_sessions(procs)


h.main(test)
