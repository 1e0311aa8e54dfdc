#!/usr/bin/env python3
"""--all on real namespaces: PID namespaces that no process lives in, found through what holds
them, each under the namespace it was created in.
(a) pid_for_children: a process in fixture namespace 1 calls unshare(CLONE_NEWPID): pending
    until it forks ("children in a new namespace, not yet started", JSON "pending"); after its
    first child (the init) exits, the namespace lives on, hidden, held by "pid_for_children of
    PID N", a child of namespace 1.
(b) an open fd: a process keeps /proc/INIT/ns/pid of namespace 1 open; the fixture dies; the
    namespace is shown only with --all, held by "fd N of PID P".
(c) a bind mount, in a private mount namespace of a sleeping process: "mount at PATH (PID P)"."""
import contextlib
import os
import sys
import tempfile

import harness as h

SPEC = "1(1,1)"  # 0 ─┬─ 1     1 is held by an fd, 2 by a bind mount, after the fixture dies
#                       └─ 2

# unshare(CLONE_NEWPID) with ctypes (os.unshare is Python 3.12+), report the host PID (/proc is
# the host's: nsenter --pid without --mount), wait, fork a first child that exits, wait.
PENDING = r"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.unshare(0x20000000) != 0:
    sys.exit("unshare CLONE_NEWPID: " + os.strerror(ctypes.get_errno()))
with open("/proc/self/status") as f:
    print([l.split()[1] for l in f if l.startswith("NStgid:")][0], flush=True)
sys.stdin.readline()
pid = os.fork()
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
print("forked", flush=True)
sys.stdin.readline()
"""
FD_HOLDER = ("import os, sys, time\n"
             "print(os.open(sys.argv[1], os.O_RDONLY), flush=True)\n"
             "time.sleep(600)\n")
MOUNT_HOLDER = 'mount --bind "$1" "$2" && echo mounted && exec sleep 600'


def find_process(doc, pid):
    for n in h.json_nodes(doc["pidns"]).values():
        for p in n.get("processes", []):
            if p["pid"] == pid:
                return n, p
    raise AssertionError(f"json: process {pid} not found")


def check_pending(fx, nsenter):
    ns1 = fx.ns(1)
    cmd = [nsenter, "--target", str(fx.init_pid(1)), "--pid", "--", sys.executable, "-c",
           PENDING]
    with h.Background(cmd) as bg:
        py = int(bg.readline())
        args = ["--all", "--ns", str(ns1["ino"])]
        node, proc = find_process(h.run_json(args), py)
        h.eq("(a) pending json", "namespace of the unsharer", h.key(node), h.key(ns1))
        h.eq("(a) pending json", "children_ns", proc.get("children_ns"), "pending")
        rows = h.text_namespaces(h.parse_rows(h.run_tool(args + ["--color=never"])))
        line = [p for p in h.direct_processes(rows[ns1["ino"]]) if p["pid"] == py]
        if len(line) != 1 or "children in a new namespace, not yet started" not in line[0]["tail"]:
            raise AssertionError(f"(a) pending text: process line {line}")
        _, proc = find_process(h.run_json(["--ns", str(ns1["ino"])]), py)
        if "children_ns" in proc:
            raise AssertionError(f"(a) without --all: children_ns {proc['children_ns']}")

        bg.send("fork")
        if bg.readline() != "forked":
            raise AssertionError("(a) the unsharer did not fork")
        held = h.stat_ns(f"/proc/{py}/ns/pid_for_children")
        if held in {h.key(n) for n in fx.namespaces}:
            raise AssertionError("(a) pid_for_children is a fixture namespace")
        doc = h.run_json(args)
        nodes = h.json_nodes(doc["pidns"])
        got = nodes.get(held)
        if got is None:
            raise AssertionError(f"(a) --all json: pid:[{held[1]}] of pid_for_children missing")
        where = f"(a) --all json: pid:[{held[1]}]"
        h.eq(where, "parent", got["parent_key"], h.key(ns1))
        h.eq(where, "(hidden, process_count, init)",
             (got["hidden"], got["process_count"], got["init"]), (True, 0, None))
        h.eq(where, "level", got["level"], nodes[h.key(ns1)]["level"] + 1)
        h.eq(where, "pins", got["pins"], [{"kind": "pid_for_children", "pid": py}])
        _, proc = find_process(doc, py)
        h.eq("(a) json: the unsharer", "children_ns", proc.get("children_ns"),
             {"dev": held[0], "ino": held[1]})
        rows = h.text_namespaces(h.parse_rows(h.run_tool(args + ["--color=never"])))
        row = rows.get(held[1])
        if (row is None or row["parent_ino"] != ns1["ino"] or not row["hidden"]
                or f"held by pid_for_children of PID {py}" not in row["tail"]
                or "(hidden)" not in row["tail"]):
            raise AssertionError(f"(a) --all text: pid:[{held[1]}] row {row and row['line']}")
        line = [p for p in h.direct_processes(rows[ns1["ino"]]) if p["pid"] == py]
        if len(line) != 1 or f"children in pid:[{held[1]}]" not in line[0]["tail"]:
            raise AssertionError(f"(a) text: the unsharer's line {line}")
        if held in h.json_nodes(h.run_json(["--ns", str(ns1["ino"])])["pidns"]):
            raise AssertionError(f"(a) without --all: pid:[{held[1]}] shown")


def check_held(fx, fd_pin, mount_pin):
    """After the fixture died: namespace 0 hidden (an ancestor), 1 and 2 hidden with their
    pins, all only with --all."""
    keys = [h.key(fx.ns(i)) for i in range(3)]
    doc = h.run_json(["--all"])
    nodes = h.json_nodes(doc["pidns"])
    caller = nodes.get(h.key(fx.caller))
    if caller is None:
        raise AssertionError("--all json: the caller's namespace is missing")
    for i, (parent, pins) in enumerate([(h.key(fx.caller), []), (keys[0], [fd_pin]),
                                        (keys[0], [mount_pin])]):
        where = f"--all json: dead fixture namespace {i} (pid:[{keys[i][1]}])"
        got = nodes.get(keys[i])
        if got is None:
            raise AssertionError(f"{where} missing")
        h.eq(where, "parent", got["parent_key"], parent)
        h.eq(where, "(hidden, process_count)", (got["hidden"], got["process_count"]), (True, 0))
        h.eq(where, "level", got["level"], caller["level"] + fx.ns(i)["depth"])
        h.eq(where, "pins", got["pins"], pins)
    rows = h.text_namespaces(h.parse_rows(h.run_tool(["--all", "--color=never"])))
    texts = {1: f"held by fd {fd_pin['fd']} of PID {fd_pin['pid']}",
             2: f"held by mount at {mount_pin['mountpoint']} (PID {mount_pin['pid']})"}
    for i in range(3):
        row = rows.get(keys[i][1])
        where = f"--all text: dead fixture namespace {i}"
        if row is None or not row["hidden"] or "(hidden)" not in row["tail"]:
            raise AssertionError(f"{where}: {row and row['line']}")
        h.eq(where, "parent", row["parent_ino"], (fx.caller if i == 0 else fx.ns(0))["ino"])
        if i in texts and texts[i] not in row["tail"]:
            raise AssertionError(f"{where}: {row['line']!r} lacks {texts[i]!r}")
        if i == 0 and "held by" in row["tail"]:
            raise AssertionError(f"{where}: pinned? {row['line']!r}")
    plain = h.json_nodes(h.run_json()["pidns"])
    shown = [k for k in keys if k in plain]
    if shown:
        raise AssertionError(f"without --all: dead fixture namespaces shown: {shown}")
    for i in (1, 2):
        doc = h.run_json(["--all", "--ns", str(keys[i][1])])
        h.eq(f"--all --ns pid:[{keys[i][1]}]", "tops", [h.key(t) for t in doc["pidns"]],
             [keys[i]])
        h.run_failure(["--ns", str(keys[i][1])])


def test():
    nsenter, unshare = h.need_program("nsenter"), h.need_program("unshare")
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="nsvap-"))
        target = os.path.join(tmp, "pidns")
        open(target, "w", encoding="ascii").close()
        with h.Fixture(SPEC, prefix="nsvap") as fx:
            check_pending(fx, nsenter)
            fd_holder = stack.enter_context(h.Background(
                [sys.executable, "-c", FD_HOLDER, f"/proc/{fx.init_pid(1)}/ns/pid"]))
            fd_pin = {"kind": "fd", "pid": fd_holder.pid, "fd": int(fd_holder.readline())}
            mount_holder = stack.enter_context(h.Background(
                [unshare, "--mount", "--propagation", "private", "--", "sh", "-c", MOUNT_HOLDER,
                 "sh", f"/proc/{fx.init_pid(2)}/ns/pid", target]))
            if mount_holder.readline() != "mounted":
                raise AssertionError("(c) bind mount failed")
            mount_pin = {"kind": "mount", "pid": mount_holder.pid, "mountpoint": target}
            if h.stat_ns(f"/proc/{mount_holder.pid}/root{target}") != h.key(fx.ns(2)):
                raise AssertionError("(c) the bind mount does not hold namespace 2")
        # The fixture is gone (its exit checked that no member survived).
        check_held(fx, fd_pin, mount_pin)
        if h.stat_ns(target) == h.key(fx.ns(2)):
            raise AssertionError("(c) the bind mount leaked into the host's mount namespace")


h.main(test)
