#!/usr/bin/env python3
"""(12) A namespace that dies mid-scan hands its inode to a new one, elsewhere in the tree: the
two are never merged into one record.

Inside a PID + mount namespace of its own (a procfs with only this test's processes, so that the
order of the scan's reads is known), the test builds C, A (each `unshare --pid --fork`) and two
sleeping processes D and Q, and holds pidns-tree (strace's syscall delay) at the open of D's
status: it has listed every PID and read A's members. Meanwhile A and Q die, and C forks B's init
with Q's PID (ns_last_pid) in a new namespace that gets A's inode back (inode numbers are reused
lowest first, an RCU grace period after they are freed). When the scan reads Q's PID it finds B's
init, whose ns/pid has A's (dev, ino). pidns-tree must show it in B under C, or give it up as
vanished, but never merge it into A's record, under A's parent, beside A's members. Needs root and
strace."""
import json
import os
import subprocess
import sys
import time

import harness as h

DELAY_US = 6_000_000  # long enough to kill A and create B while the scan waits


def new_ns():
    """`unshare --pid --fork sleep`: (the unshare process, its init, (dev, ino))."""
    p = subprocess.Popen(["unshare", "--pid", "--fork", "--kill-child", "sleep", "600"],
                         stdin=subprocess.DEVNULL)
    init = h.wait_for("the namespace's init", lambda: h.child_pids(p.pid))[0]
    h.wait_for("sleep", lambda: h.status_fields(init)["Name"] == "sleep")
    return p, init, h.stat_ns(f"/proc/{init}/ns/pid")


# The init of C: on a line from stdin, unshare(CLONE_NEWPID) and fork B's init, which sleeps.
C_INIT = r"""
import ctypes, os, sys, time
sys.stdin.readline()
if ctypes.CDLL(None, use_errno=True).unshare(0x20000000) != 0:
    sys.exit("unshare CLONE_NEWPID failed")
if os.fork() == 0:
    time.sleep(600)
    os._exit(0)
print("forked", flush=True)
time.sleep(600)
"""


def reap():
    """As the init of its namespace, the test reaps orphans: A's init dies as a child of it."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def inner():
    """Runs as the init of the test's own PID namespace, with its own /proc. The scan is held at
    D's status; meanwhile A dies, placeholder Q (listed after D) dies, and C forks B's init with
    Q's PID (ns_last_pid), in a new namespace that gets A's inode back."""
    keep = []
    try:
        c = subprocess.Popen(["unshare", "--pid", "--fork", "--kill-child", sys.executable, "-c",
                              C_INIT], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        keep.append(c)
        c_init = h.wait_for("C's init", lambda: h.child_pids(c.pid))[0]
        c_ns = h.stat_ns(f"/proc/{c_init}/ns/pid")
        a_proc, a_init, a_ns = new_ns()
        keep.append(a_proc)
        d = subprocess.Popen(["sleep", "600"])
        q = subprocess.Popen(["sleep", "600"])
        keep += [d, q]
        # Which openat() of a run reads D's status: a dry run with nothing delayed. The race is
        # the procfs scan's, between its status reads: --source bpf names every namespace in its
        # one pass and reads no status here.
        args = ["--json", "--source", "procfs"]
        log = "/tmp/recycled-strace.log"
        dry = h.run(args, prefix=["strace", "-f", "-e", "trace=openat", "-o", log],
                    ptrace=True, stdout=subprocess.DEVNULL)
        if dry.returncode != 0:
            raise AssertionError(h.describe(dry))
        with open(log, encoding="utf-8") as f:
            opens = [ln for ln in f if " openat(" in ln and "resumed" not in ln]
        nth = [i for i, ln in enumerate(opens, 1) if f'"{d.pid}/status"' in ln]
        if len(nth) != 1:
            print(f"cannot find the open of {d.pid}/status among {len(opens)} opens")
            return 1
        strace = ["strace", "-f", "-o", "/dev/null", "-e", "trace=openat",
                  "-e", f"inject=openat:delay_enter={DELAY_US}:when={nth[0]}"]
        run = subprocess.Popen(h.command(args, prefix=strace), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=h.environment(ptrace=True))
        time.sleep(1)  # the scan has listed every PID, read A's members, and waits at D
        for p in (a_proc, q):
            p.kill()
            p.wait()
        h.wait_for("A and Q to be gone", lambda: reap() or not (
            os.path.exists(f"/proc/{a_init}") or os.path.exists(f"/proc/{q.pid}")))
        time.sleep(1)  # A's inode number is freed an RCU grace period after A
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write(str(q.pid - 1))
        c.stdin.write(b"go\n")
        c.stdin.flush()
        c.stdout.readline()
        b_init = h.child_pids(c_init)[0]
        b_ns = h.stat_ns(f"/proc/{b_init}/ns/pid")
        out, _ = run.communicate(timeout=60)
        if b_init != q.pid or b_ns != a_ns:
            print(f"SKIP: B's init got PID {b_init} (want {q.pid}) and pid:[{b_ns[1]}] (want "
                  f"A's pid:[{a_ns[1]}])")
            return 77
        doc = json.loads(out)
        print(f"A pid:[{a_ns[1]}] died; B's init {b_init}, a child of C pid:[{c_ns[1]}], got its "
              f"inode and Q's PID")
        nodes = {(n["dev"], n["ino"]): (n, parent) for n, parent in h.walk(doc["pidns"])}
        for key, (n, parent) in nodes.items():
            depths = {len(p["nstgid"]) for p in n.get("processes", [])}
            if len(depths) > 1:
                print(f"pid:[{key[1]}] merges processes of two namespaces: NStgid depths "
                      f"{sorted(depths)}: {[p['pid'] for p in n['processes']]}")
                return 1
        node, parent = nodes.get(a_ns, (None, None))
        shown = node and any(p["pid"] == b_init for p in node.get("processes", []))
        if shown and (parent is None or (parent["dev"], parent["ino"]) != c_ns):
            print(f"B's init {b_init} is shown in pid:[{a_ns[1]}] under "
                  f"pid:[{parent and parent['ino']}], not under C")
            return 1
        print(f"B's init {'shown under C' if shown else 'given up as vanished'}; "
              f"summary {doc['summary']}")
        return 0
    finally:
        for p in keep:
            p.kill()
        for p in keep:
            p.wait()


def test():
    if os.geteuid() != 0:
        raise h.Skip("needs root")
    h.need_program("strace", "strace")
    res = subprocess.run(["unshare", "--pid", "--fork", "--kill-child", "--mount-proc",
                          sys.executable, os.path.abspath(__file__), "--inner"],
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    print(res.stdout, end="")
    if res.returncode == 77:
        raise h.Skip(res.stdout.strip().splitlines()[-1])
    if res.returncode != 0:
        raise AssertionError(f"exit {res.returncode}: {res.stdout}{res.stderr}")


if __name__ == "__main__" and sys.argv[1:] == ["--inner"]:
    sys.exit(inner())
h.main(test)
